"""Pagination of every list, once: the page size is 25, 50 or 100 and the page a positive number,
whatever the URL says (`?per_page=-1`, `?per_page=1000000`, `?page=abc` show a normal page).

Function views call `paginate_table(request, table)`; class-based list views mix in `PaginatedTableMixin`.
"""

from django.core.paginator import EmptyPage
from django.http import HttpRequest
from django_tables2 import RequestConfig, SingleTableMixin, Table

PAGE_SIZES = (25, 50, 100)
# Longer numbers are no page anyone can reach; refusing them early keeps int() cheap.
MAX_DIGITS = 9


def _positive_int(value: str | None) -> int | None:
    if not value or len(value) > MAX_DIGITS or not (value.isascii() and value.isdigit()):
        return None
    return int(value) or None


def page_size(request: HttpRequest, *, default: int = PAGE_SIZES[0], field: str = "per_page") -> int:
    """The rows per page the request asks for, if it is one of PAGE_SIZES; else `default`."""
    size = _positive_int(request.GET.get(field))
    return size if size in PAGE_SIZES else default


def paginate_table(request: HttpRequest, table: Table, *, default_per_page: int = PAGE_SIZES[0]) -> Table:
    """Sort `table` as the request asks (django-tables2's `?sort=`) and show one page of it.

    The table's (prefixed) `per_page` and `page` parameters are read here, checked: a page that is not a
    positive number of at most MAX_DIGITS digits is the first page, one past the end the last.
    """
    RequestConfig(request, paginate=False).configure(table)
    per_page = page_size(request, default=default_per_page, field=table.prefixed_per_page_field)
    page = _positive_int(request.GET.get(table.prefixed_page_field)) or 1
    try:
        table.paginate(per_page=per_page, page=page)
    except EmptyPage:
        table.page = table.paginator.page(table.paginator.num_pages)
    return table


class PaginatedTableMixin(SingleTableMixin):
    """django-tables2's SingleTableMixin, paginated by `paginate_table` (`default_per_page` rows unless asked)."""

    default_per_page = PAGE_SIZES[0]

    def get_table_pagination(self, table):
        return False  # get_table paginates, with the request's values checked

    def get_paginate_by(self, queryset):
        return None  # ListView's own pagination stays off: the table paginates, or the rows would be counted twice

    def get_table(self, **kwargs):
        return paginate_table(self.request, super().get_table(**kwargs), default_per_page=self.default_per_page)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_sizes=PAGE_SIZES,
            per_page=page_size(self.request, default=self.default_per_page),
            **kwargs,
        )
