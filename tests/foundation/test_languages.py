"""Each page, e-mail and notice type reads in one language: bokmål pages carry no English words and English pages
no bokmål ones (a small list of everyday words of each is enough to catch an untranslated or hard-coded string)."""

import html
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from notifications.choices import NoticeKind
from notifications.messages import default_text, render_email
from portal.services import feed_token_regenerate
from tests.factories import NoticeFactory, page_type_scene

pytestmark = pytest.mark.django_db

# Everyday words that belong to one language only (matched as whole words, any case).
BOKMAL = {
    "og",
    "ikke",
    "med",
    "eller",
    "systemer",
    "bølge",
    "bølger",
    "varsel",
    "uke",
    "migrert",
    "planlagt",
    "nedetid",
    "virksomhet",
    "virksomheten",
    "lagre",
    "søk",
    "neste",
    "forrige",
    "viser",
    "kl",
    "dine",
    "din",
}
ENGLISH = {
    "the",
    "and",
    "with",
    "or",
    "systems",
    "wave",
    "waves",
    "notice",
    "week",
    "migrated",
    "planned",
    "downtime",
    "agency",
    "save",
    "search",
    "next",
    "previous",
    "showing",
    "your",
    "you",
}
# Names of the two languages in the language menu are each written in their own language, on purpose.
LANGUAGE_MENU = re.compile(r'<form[^>]*class="language-form".*?</form>', re.S)


def words(text: str, language: str) -> set[str]:
    text = LANGUAGE_MENU.sub(" ", text)
    # Parts marked as another language (lang="…") are meant to be read in it.
    text = re.sub(rf'<(\w+)[^>]*\blang="(?!{language})[^"]*"[^>]*>.*?</\1>', " ", text, flags=re.S)
    text = re.sub(r"\b[\w-]+\.(ics|csv|xlsx)\b", " ", text)  # file names
    text = re.sub(r"https?://[^\s<\"']+", " ", text)  # addresses shown as text (a feed's random token has letters)
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return {word.lower() for word in re.findall(r"[^\W\d_]+", text)}


def foreign(text: str, language: str) -> set[str]:
    return words(text, language) & (ENGLISH if language == "nb" else BOKMAL)


@pytest.fixture
def scene(editor_user, contact_person):
    """Data named in neither language, so only the interface's own words are checked."""
    contact_person.name = "Tove Tester"
    scene = page_type_scene(
        contact_person,
        agency={"code": "XYZ", "name": "Xyzzy"},
        wave={"name": "W-7", "window_start": timezone.now() + timedelta(days=9)},
        system={"code": "SYS-1", "name": "Alpha"},
        hostname="host-1",
    )
    notice = scene["notice"]
    notice.title, notice.body = default_text(notice, "nb")
    notice.save()
    return scene


def _pages(client, user, paths: list[str]) -> dict[str, dict[str, str]]:
    client.force_login(user)
    pages = {}
    for language in ("nb", "en"):
        for path in paths:
            response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
            assert response.status_code == 200, path
            pages[f"{path} ({language})"] = (language, response.content.decode())
    return pages


def _assert_one_language(texts: dict) -> None:
    mixed = {name: sorted(foreign(text, language)) for name, (language, text) in texts.items()}
    mixed = {name: found for name, found in mixed.items() if found}
    assert not mixed, "words of the other language:\n" + "\n".join(f"{name}: {found}" for name, found in mixed.items())


def test_staff_pages_read_in_one_language(client, editor_user, scene):
    s = scene
    _assert_one_language(
        _pages(
            client,
            editor_user,
            [
                "/staff/",
                "/systems/",
                f"/systems/{s['system'].pk}/",
                f"/systems/{s['system'].pk}/edit/",
                "/vms/",
                f"/vms/{s['vm'].pk}/",
                "/waves/",
                f"/waves/{s['wave'].pk}/",
                "/contacts/",
                f"/contacts/{s['contact'].pk}/",
                "/agencies/",
                f"/agencies/{s['agency'].pk}/",
                "/notices/",
                f"/notices/{s['notice'].pk}/",
                "/notices/deliveries/",
                # /import/ and /export/ name the files and columns of the inventory format, English by design.
            ],
        )
    )


def test_portal_and_public_pages_read_in_one_language(client, contact_user, scene):
    token = feed_token_regenerate(contact=scene["contact"]).key
    pages = _pages(
        client,
        contact_user,
        ["/portal/", "/portal/systems/", f"/portal/notices/{scene['notice'].pk}/", "/portal/subscriptions/", "/"],
    )
    client.logout()
    pages |= _pages(client, contact_user, ["/accounts/login/", "/portal/login/", "/tilgjengelighet/"])
    for language in ("nb", "en"):
        scene["contact"].language = language
        scene["contact"].save()
        feed = client.get(reverse("portal:atom_feed", kwargs={"token": token})).content.decode()
        shown = re.findall(r"<(?:title|subtitle|summary)[^>]*>(.*?)</", feed, flags=re.S)  # not ids and links
        pages[f"Atom feed ({language})"] = (language, html.unescape(" ".join(shown)))
    _assert_one_language(pages)


def test_notices_and_emails_read_in_one_language(scene, settings):
    texts = {}
    contact = scene["contact"]
    for language in ("nb", "en"):
        for kind in NoticeKind.values:
            notice = NoticeFactory.build(
                wave=scene["wave"], kind=kind, systems_snapshot=scene["notice"].systems_snapshot
            )
            title, body = default_text(notice, language)
            texts[f"{kind} notice ({language})"] = (language, f"{title}\n{body}")
        contact.language = language
        rendered = render_email(scene["notice"], contact)
        texts[f"notice e-mail ({language})"] = (language, f"{rendered.subject}\n{rendered.text}\n{rendered.html}")
        with translation.override(language):
            context = {"contact": contact, "minutes": 15, "url": "https://example.invalid/x"}
            texts[f"login link e-mail ({language})"] = (
                language,
                render_to_string("portal/email/login_link_subject.txt", context)
                + render_to_string("portal/email/login_link.txt", context),
            )
    _assert_one_language(texts)
    assert not mail.outbox
