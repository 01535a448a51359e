"""The bokmål catalogs of the project and its apps agree: Django merges them, and the first one wins silently."""

import gettext
import io
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

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


@pytest.fixture(scope="module")
def found_messages(tmp_path_factory) -> set:
    """Every message `makemessages` finds in the code and templates: msgids, and (msgid, n) for plural forms."""
    copy = tmp_path_factory.mktemp("makemessages") / "src"
    shutil.copytree(
        ROOT, copy, ignore=shutil.ignore_patterns(".venv", ".git", "var", "staticfiles", "__pycache__", "*.mo")
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "nb", "--no-obsolete", "--verbosity", "0"],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    found: set = set()
    for po in copy.glob("**/locale/nb/LC_MESSAGES/django.po"):
        # msgen fills in what is untranslated, so msgfmt keeps every message found (fuzzy ones too).
        english = subprocess.run(["msgen", str(po)], check=True, capture_output=True).stdout
        compiled = subprocess.run(
            ["msgfmt", "--use-fuzzy", "-o", "-", "-"], input=english, check=True, capture_output=True
        ).stdout
        found |= {key for key in _catalog_keys(compiled) if key}
    return found


def test_makemessages_finds_no_string_without_a_bokmal_translation(found_messages):
    """Every message has a non-fuzzy bokmål translation in one of the catalogs (Django merges them)."""
    translated: set = set()
    for mo in compiled_catalogs():
        translated |= {key for key, value in _catalog_keys(mo.read_bytes()).items() if value}
    missing = sorted(str(key) for key in found_messages - translated)
    assert not missing, "no bokmål translation (or only a fuzzy one):\n" + "\n".join(missing)


# A placeholder right before a plural noun ("%(count)s systems", "%(sm)s of %(st)s systems") reads wrong for 1.
COUNT_MEETS_NOUN = re.compile(
    r"%\(\w+\)[sd] (?:of %\(\w+\)[sd] )?"
    r"(?:systems|VMs|waves|rows|errors|days|hours|minutes|people|persons|contacts|notices|deliveries|files)\b"
)


def test_every_count_that_meets_a_noun_goes_through_ngettext(found_messages):
    singular_only = sorted(key for key in found_messages if isinstance(key, str) and COUNT_MEETS_NOUN.search(key))
    assert not singular_only, "use ngettext / blocktranslate count:\n" + "\n".join(singular_only)


def test_no_catalog_has_fuzzy_entries():
    for mo in compiled_catalogs():
        po = mo.with_suffix(".po").read_text()
        entries = po.split("\n\n")[1:]  # the header is marked fuzzy by makemessages until edited
        assert not [entry for entry in entries if "#, fuzzy" in entry], f"{po} has fuzzy entries"
