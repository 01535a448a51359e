"""List pages: every filter narrows correctly, every sortable column sorts, exports hold exactly the filtered rows."""

import csv
import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from django_tables2.utils import Accessor

from systems.choices import ContactRole, Criticality, Environment, MigrationStatus
from systems.models import VM, Agency, ContactPerson, System
from systems.tables import AgencyTable, ContactPersonTable, SystemTable, VMTable
from tests.factories import (
    AgencyFactory,
    ContactPersonFactory,
    SystemContactFactory,
    SystemFactory,
    VMFactory,
    WaveFactory,
)
from waves.choices import WaveState
from waves.models import Wave
from waves.tables import WaveTable


@pytest.fixture
def varied(db):
    """A small inventory where each filter value picks out a known subset."""
    oslo, bergen = AgencyFactory(code="OSL", name="Oslo etat"), AgencyFactory(code="BRG", name="Bydel Bergen")
    # Fixed dates: a window taken from today's date could fall on 31 December, where "window ends on or after
    # 31.12." then matched the early wave too.
    early_start = datetime(2040, 3, 6, 18, 0, tzinfo=ZoneInfo("Europe/Oslo"))
    early = WaveFactory(
        name="Bølge 1", state=WaveState.CONFIRMED, window_start=early_start, window_end=early_start + timedelta(hours=5)
    )
    late = WaveFactory(
        name="Bølge 2",
        window_start=early.window_start.replace(year=early.window_start.year + 1),
        window_end=early.window_end.replace(year=early.window_end.year + 1),
    )
    payroll = SystemFactory(
        code="LONN",
        name="Lønnssystem",
        agency=oslo,
        wave=early,
        status=MigrationStatus.PLANNED,
        environment=Environment.PRODUCTION,
        criticality=Criticality.CRITICAL,
    )
    archive = SystemFactory(
        code="ARK",
        name="Arkiv",
        agency=bergen,
        wave=late,
        status=MigrationStatus.MIGRATED,
        environment=Environment.TEST,
        criticality=Criticality.LOW,
        description="Elektronisk arkiv",
    )
    spare = SystemFactory(
        code="RESERVE",
        name="Reserve",
        agency=bergen,
        status=MigrationStatus.NOT_PLANNED,
        environment=Environment.PRODUCTION,
        criticality=Criticality.HIGH,
    )
    VMFactory(hostname="lonn-app01", system=payroll, os="RHEL 9", status=MigrationStatus.PLANNED)
    VMFactory(hostname="ark-db01", system=archive, os="Windows Server 2019", status=MigrationStatus.MIGRATED)
    VMFactory(hostname="reserve01", system=spare, os="Windows Server 2022", status=MigrationStatus.NOT_PLANNED)
    kari = ContactPersonFactory(name="Kari Lønn", email="kari@oslo.kommune.example", agency=oslo)
    per = ContactPersonFactory(name="Per Arkiv", email="per@bergen.kommune.example", agency=bergen)
    SystemContactFactory(system=payroll, contact=kari, role=ContactRole.PRIMARY)
    SystemContactFactory(system=archive, contact=per, role=ContactRole.TESTER)
    return {
        "oslo": oslo,
        "bergen": bergen,
        "early": early,
        "late": late,
        "payroll": payroll,
        "archive": archive,
        "spare": spare,
        "kari": kari,
        "per": per,
    }


def _listed(client, url_name, params):
    response = client.get(reverse(url_name), params)
    assert response.status_code == 200
    return {row.record.pk for row in response.context["table"].paginated_rows}


SYSTEM_FILTERS = [
    ({"q": "arkiv"}, {"archive"}),
    ({"q": "LONN"}, {"payroll"}),
    ({"status": ["planned", "migrated"]}, {"payroll", "archive"}),
    ({"environment": "test"}, {"archive"}),
    ({"criticality": "critical"}, {"payroll"}),
    ({"agency_id": "bergen"}, {"archive", "spare"}),
    ({"wave_id": "early"}, {"payroll"}),
    ({"has_wave": "false"}, {"spare"}),
    ({"has_primary_contact": "false"}, {"archive", "spare"}),
    ({"agency_id": "bergen", "status": "not_planned"}, {"spare"}),
]


def _resolve(params, varied):
    """Names of fixture objects ("bergen") become their primary keys."""
    return {
        key: (str(varied[value].pk) if isinstance(value, str) and value in varied else value)
        for key, value in params.items()
    }


@pytest.mark.parametrize(("params", "expected"), SYSTEM_FILTERS, ids=[str(p) for p, _ in SYSTEM_FILTERS])
def test_system_filter_narrows_the_list(params, expected, varied, viewer_client):
    assert _listed(viewer_client, "systems:system_list", _resolve(params, varied)) == {varied[k].pk for k in expected}


VM_FILTERS = [
    ({"q": "lonn"}, {"payroll"}),
    ({"q": "2022"}, {"spare"}),
    ({"status": "migrated"}, {"archive"}),
    ({"environment": "production"}, {"payroll", "spare"}),
    ({"agency_id": "oslo"}, {"payroll"}),
    ({"wave_id": "late"}, {"archive"}),
    ({"system_id": "spare"}, {"spare"}),
]


@pytest.mark.parametrize(("params", "expected"), VM_FILTERS, ids=[str(p) for p, _ in VM_FILTERS])
def test_vm_filter_narrows_the_list(params, expected, varied, viewer_client):
    listed = _listed(viewer_client, "systems:vm_list", _resolve(params, varied))
    assert listed == set(VM.objects.filter(system__in=[varied[k] for k in expected]).values_list("pk", flat=True))


CONTACT_FILTERS = [
    ({"q": "bergen.kommune"}, {"per"}),
    ({"agency_id": "oslo"}, {"kari"}),
    ({"role": "tester"}, {"per"}),
    ({"system_id": "payroll"}, {"kari"}),
]


@pytest.mark.parametrize(("params", "expected"), CONTACT_FILTERS, ids=[str(p) for p, _ in CONTACT_FILTERS])
def test_contact_filter_narrows_the_list(params, expected, varied, viewer_client):
    listed = _listed(viewer_client, "systems:contactperson_list", _resolve(params, varied))
    assert listed == {varied[k].pk for k in expected}


AGENCY_FILTERS = [({"q": "bydel"}, {"bergen"}), ({"q": "OSL"}, {"oslo"}), ({"kind": "etat"}, {"oslo", "bergen"})]


@pytest.mark.parametrize(("params", "expected"), AGENCY_FILTERS, ids=[str(p) for p, _ in AGENCY_FILTERS])
def test_agency_filter_narrows_the_list(params, expected, varied, viewer_client):
    listed = _listed(viewer_client, "systems:agency_list", _resolve(params, varied))
    assert listed == {varied[k].pk for k in expected}


def test_wave_filter_narrows_the_list(varied, viewer_client):
    early, late = varied["early"], varied["late"]
    assert _listed(viewer_client, "waves:wave_list", {"state": "confirmed"}) == {early.pk}
    assert _listed(viewer_client, "waves:wave_list", {"q": "2"}) == {late.pk}
    after_early = (early.window_end.date().replace(month=12, day=31)).isoformat()
    assert _listed(viewer_client, "waves:wave_list", {"window_from": after_early}) == {late.pk}
    assert _listed(viewer_client, "waves:wave_list", {"window_to": after_early}) == {early.pk}


TABLES = {
    "systems:agency_list": AgencyTable,
    "systems:system_list": SystemTable,
    "systems:vm_list": VMTable,
    "systems:contactperson_list": ContactPersonTable,
    "waves:wave_list": WaveTable,
}
SORTABLE = [
    (url_name, name)
    for url_name, table in TABLES.items()
    for name, column in table.base_columns.items()
    if column.orderable is not False and name != "select"
]


def _sort_key(record, accessors):
    key = []
    for accessor in accessors:
        value = Accessor(accessor.lstrip("-")).resolve(record, quiet=True)
        key.append((value is None, value if value is not None else 0))
    return key


@pytest.mark.parametrize(("url_name", "column"), SORTABLE, ids=[f"{u}-{c}" for u, c in SORTABLE])
def test_list_sorts_by_every_sortable_column(url_name, column, varied, viewer_client):
    for direction in ("", "-"):
        response = viewer_client.get(reverse(url_name), {"sort": f"{direction}{column}", "columns": column})
        assert response.status_code == 200
        table = response.context["table"]
        bound = table.columns[column]
        accessors = [str(a) for a in (bound.order_by or [bound.accessor])]
        keys = [_sort_key(row.record, accessors) for row in table.paginated_rows]
        assert len(keys) >= 2
        assert keys == sorted(keys, reverse=direction == "-"), f"{column} {direction or '+'}: {keys}"


def test_system_list_csv_export_holds_exactly_the_filtered_rows(varied, viewer_client):
    response = viewer_client.get(
        reverse("systems:system_list"), {"agency_id": varied["bergen"].pk, "_export": "csv", "per_page": 25}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode()), "Norwegian users get what Norwegian Excel opens"
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert {row["Kode"] for row in rows} == {"ARK", "RESERVE"}
    assert {row["Virksomhet"] for row in rows} == {"BRG"}
    assert "Velg" not in rows[0]


def test_system_list_csv_export_is_not_limited_to_one_page(db, viewer_client):
    agency = AgencyFactory()
    SystemFactory.create_batch(30, agency=agency)
    response = viewer_client.get(reverse("systems:system_list"), {"_export": "csv", "per_page": 25})
    assert len(list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))) == 30


def test_vm_list_xlsx_export_holds_exactly_the_filtered_rows(varied, viewer_client):
    response = viewer_client.get(reverse("systems:vm_list"), {"status": "migrated", "_export": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][0] == "Vertsnavn"
    assert [row[0] for row in values[1:]] == ["ark-db01"]


def test_list_page_size_and_column_choice_are_honoured(db, viewer_client):
    SystemFactory.create_batch(60)
    response = viewer_client.get(reverse("systems:system_list"), {"per_page": 50, "columns": ["code", "status"]})
    table = response.context["table"]
    assert len(table.paginated_rows) == 50
    assert [column.name for column in table.columns if column.visible] == ["code", "status"]
    response = viewer_client.get(reverse("systems:system_list"), {"per_page": 7})
    assert len(response.context["table"].paginated_rows) == 25


def test_list_headers_and_values_are_translated(varied, viewer_client):
    content = viewer_client.get(reverse("systems:system_list")).content.decode()
    assert "Kritikalitet" in content and "produksjon" in content and "ikke planlagt" in content


def test_viewer_sees_no_bulk_form_and_no_add_button(varied, viewer_client):
    content = viewer_client.get(reverse("systems:system_list")).content.decode()
    assert 'name="pk"' not in content
    assert reverse("systems:system_add") not in content


def test_editor_sees_bulk_form_with_labelled_checkboxes(varied, editor_client):
    content = editor_client.get(reverse("systems:system_list")).content.decode()
    assert f'value="{varied["payroll"].pk}" aria-label="Velg LONN Lønnssystem"' in content


@pytest.mark.parametrize("model", [Agency, System, VM, ContactPerson, Wave])
def test_every_listed_model_links_to_its_detail_page(model, varied, viewer_client):
    obj = model.objects.first()
    listing = viewer_client.get(reverse(f"{model._meta.app_label}:{model._meta.model_name}_list"))
    assert f'href="{obj.get_absolute_url()}"' in listing.content.decode()
    response = viewer_client.get(obj.get_absolute_url())
    assert response.status_code == 200


def test_system_list_agency_column_links_to_the_agency(viewer_client):
    system = SystemFactory()
    content = viewer_client.get(reverse("systems:system_list")).content.decode()
    assert f'<a href="{system.agency.get_absolute_url()}">{system.agency.code}</a>' in content


@pytest.fixture
def three_waves(db):
    now = timezone.now()
    return {
        "done": WaveFactory(name="Bølge gammel", window_start=now - timedelta(days=30), state=WaveState.COMPLETED),
        "later": WaveFactory(name="Bølge senere", window_start=now + timedelta(days=40)),
        "soon": WaveFactory(name="Bølge snart", window_start=now + timedelta(days=10)),
    }


def test_wave_pickers_offer_coming_waves_soonest_first_with_dates(three_waves, editor_client):
    page = editor_client.get(reverse("systems:system_list")).content.decode()
    offered = re.findall(r'<option value="\d+">(Bølge [^<]+)</option>', page.split('name="wave"', 1)[1])
    soon, later = three_waves["soon"], three_waves["later"]
    assert offered[:2] == [
        f"Bølge snart – {timezone.localtime(soon.window_start):%d.%m.%Y}",
        f"Bølge senere – {timezone.localtime(later.window_start):%d.%m.%Y}",
    ]
    assert "Bølge gammel" not in "".join(offered)


def test_wave_list_shows_coming_waves_first(three_waves, viewer_client):
    response = viewer_client.get(reverse("waves:wave_list"))
    listed = [row.record.pk for row in response.context["table"].paginated_rows]
    assert listed == [three_waves["soon"].pk, three_waves["later"].pk, three_waves["done"].pk]


def test_notice_filter_defaults_to_all_and_says_apply(viewer_client):
    page = viewer_client.get(reverse("notifications:notice_list")).content.decode()
    assert "Bruk filter" in page
    short_notice = page.split('name="short_notice"', 1)[1].split("</select>", 1)[0]
    assert re.search(r'<option value="" selected>alle</option>', short_notice)
    assert "Ukjent" not in page


@pytest.mark.django_db
def test_wave_list_sorts_by_system_and_vm_counts_across_pages(viewer_client):
    few, many, none = WaveFactory(name="Få"), WaveFactory(name="Mange"), WaveFactory(name="Ingen")
    SystemFactory(wave=few)
    for _ in range(3):
        VMFactory(system=SystemFactory(wave=many))
    html = viewer_client.get(reverse("waves:wave_list"), {"sort": "-system_count", "per_page": 25}).content.decode()
    assert [html.index(f">{wave.name}<") for wave in (many, few, none)] == sorted(
        html.index(f">{wave.name}<") for wave in (many, few, none)
    )
    html = viewer_client.get(reverse("waves:wave_list"), {"sort": "vm_count"}).content.decode()
    assert html.index(">Ingen<") < html.index(">Mange<")
