"""Inventory import and export: CSV (`;` or `,`, UTF-8 or Windows-1252) and XLSX, all-or-nothing, in bulk.

The package is its own small Django app (label ``inventory``) so that it owns its model (ImportJob)
and migrations without touching the systems app's.
"""
