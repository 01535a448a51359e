"""Dates, times and windows read the same way everywhere, in the reader's language."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation

from migportal.formats import date_text, datetime_text, window_text
from tests.factories import WaveFactory

OSLO = ZoneInfo("Europe/Oslo")
START = datetime(2026, 11, 24, 18, 0, tzinfo=OSLO)


def test_formats_follow_the_language_and_oslo_time():
    utc = START.astimezone(ZoneInfo("UTC"))
    assert datetime_text(utc, language="nb") == "24.11.2026 kl. 18:00"
    assert datetime_text(utc, language="en") == "24 Nov 2026 at 18:00"
    assert date_text(utc, language="en") == "24 Nov 2026"
    assert window_text(START, START + timedelta(hours=5), language="nb") == "24.11.2026 kl. 18:00–23:00"
    assert window_text(START, START + timedelta(hours=8), language="nb") == (
        "24.11.2026 kl. 18:00 – 25.11.2026 kl. 02:00"
    )
    assert window_text(START, START + timedelta(hours=5), language="en", long=True) == (
        "Tuesday 24 November 2026, 18:00–23:00"
    )
    with translation.override("en"):
        assert datetime_text(START) == "24 Nov 2026 at 18:00"
    assert datetime_text(None) == "–"


@pytest.mark.django_db
def test_staff_tables_in_english_write_dates_the_english_way(viewer_client):
    WaveFactory(name="Wave A", window_start=START, window_end=START + timedelta(hours=5))
    page = viewer_client.get(reverse("waves:wave_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "24 Nov 2026 at 18:00" in page
    assert "kl." not in page
