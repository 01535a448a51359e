"""The bokmål catalogs of the project and its apps agree: Django merges them, and the first one wins silently."""

import gettext
import io
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def compiled_catalogs() -> list[Path]:
    return sorted(p for p in ROOT.glob("**/locale/nb/LC_MESSAGES/django.mo") if ".venv" not in p.parts)


def test_every_catalog_is_compiled_and_current():
    for mo in compiled_catalogs():
        po = mo.with_suffix(".po")
        assert po.exists(), f"{mo} has no .po source"
        assert mo.stat().st_mtime >= po.stat().st_mtime - 1, f"{po} is newer than its .mo: run compilemessages"
    assert len(compiled_catalogs()) >= 5


def test_the_same_message_has_the_same_translation_in_every_catalog():
    translations: dict[str, dict[str, str]] = defaultdict(dict)
    for mo in compiled_catalogs():
        with mo.open("rb") as handle:
            catalog = gettext.GNUTranslations(handle)._catalog
        for msgid, msgstr in catalog.items():
            if msgid and isinstance(msgid, str):
                translations[msgid][str(mo.relative_to(ROOT))] = msgstr
    clashes = {msgid: where for msgid, where in translations.items() if len(set(where.values())) > 1}
    assert not clashes, "translated differently in different catalogs:\n" + "\n".join(
        f"{msgid!r}: {where}" for msgid, where in clashes.items()
    )


def _catalog_keys(mo_bytes: bytes) -> dict:
    return gettext.GNUTranslations(io.BytesIO(mo_bytes))._catalog


def test_makemessages_finds_no_string_without_a_bokmal_translation(tmp_path):
    """Every message in the code and templates has a non-fuzzy bokmål translation in one of the catalogs."""
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT, copy, ignore=shutil.ignore_patterns(".venv", ".git", "var", "staticfiles", "__pycache__", "*.mo")
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "nb", "--no-obsolete", "--verbosity", "0"],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    wanted: set = set()
    for po in copy.glob("**/locale/nb/LC_MESSAGES/django.po"):
        # msgen fills in what is untranslated, so msgfmt keeps every message found (fuzzy ones too).
        english = subprocess.run(["msgen", str(po)], check=True, capture_output=True).stdout
        compiled = subprocess.run(
            ["msgfmt", "--use-fuzzy", "-o", "-", "-"], input=english, check=True, capture_output=True
        ).stdout
        wanted |= {key for key in _catalog_keys(compiled) if key and key != ""}
    translated: set = set()
    for mo in compiled_catalogs():
        translated |= {key for key, value in _catalog_keys(mo.read_bytes()).items() if value}
    missing = sorted(str(key) for key in wanted - translated)
    assert not missing, "no bokmål translation (or only a fuzzy one):\n" + "\n".join(missing)


def test_no_catalog_has_fuzzy_entries():
    for mo in compiled_catalogs():
        po = mo.with_suffix(".po").read_text()
        entries = po.split("\n\n")[1:]  # the header is marked fuzzy by makemessages until edited
        assert not [entry for entry in entries if "#, fuzzy" in entry], f"{po} has fuzzy entries"
