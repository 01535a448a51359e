"""The bokmål catalogs of the project and its apps agree: Django merges them, and the first one wins silently."""

import gettext
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
