"""Move-together links in import and export: set by code on either row, removed from both, and exported so
that importing the export changes nothing."""

import csv

from systems.inventory import exporter
from systems.inventory.importer import Importer
from systems.inventory.readers import Source
from systems.models import System

from .conftest import counts, errors

SYSTEMS = (
    "code;name;agency;environment;flyttes_med;testsystem\n"
    "DB;Database;BYM;production;APP|RAP;DB-T\n"
    "APP;Fagsystem;BYM;production;;\n"
    "RAP;Rapporter;BYM;production;;\n"
    "DB-T;Database test;BYM;test;;\n"
)


def together(code: str) -> list[str]:
    return sorted(System.objects.get(code=code).move_with.values_list("code", flat=True))


def test_import_links_systems_both_ways_and_a_row_without_the_link_removes_it(run_import, base_files):
    base_files["systems.csv"] = SYSTEMS
    del base_files["vms.csv"]
    assert run_import(base_files).ok
    assert together("DB") == ["APP", "RAP"] and together("APP") == ["DB"] and together("RAP") == ["DB"]
    assert System.objects.get(code="DB").test_counterpart.code == "DB-T"

    # RAP leaves the group: gone from DB's row (APP's row keeps its own link to DB).
    base_files["systems.csv"] = SYSTEMS.replace("APP|RAP", "").replace("production;;\n", "production;DB;\n", 1)
    result = run_import(base_files)
    assert result.ok, errors(result)
    assert together("DB") == ["APP"] and together("RAP") == [] and together("APP") == ["DB"]
    assert counts(result)["systems"] == (0, 2, 2)  # DB and RAP changed their links; APP and DB-T did not
    history = System.objects.get(code="RAP").history.first()
    assert list(history.move_with.all()) == []
    assert [link.to_system.code for link in System.objects.get(code="DB").history.first().move_with.all()] == ["APP"]


def test_import_refuses_its_own_or_an_unknown_code_in_move_together(run_import, base_files):
    base_files["systems.csv"] = "code;name;agency;environment;move_with\nDB;Database;BYM;production;DB\n"
    del base_files["vms.csv"]
    result = run_import(base_files)
    assert errors(result) == ["systems.csv:2: move_with: Et system kan ikke flyttes sammen med seg selv."]
    base_files["systems.csv"] = base_files["systems.csv"].replace(";DB\n", ";NOPE\n")
    result = run_import(base_files)
    assert errors(result) == ["systems.csv:2: move_with: Ingen system har koden «NOPE»."]
    assert not System.objects.exists()


def test_export_writes_move_together_and_importing_it_changes_nothing(run_import, base_files, tmp_path):
    base_files["systems.csv"] = SYSTEMS
    del base_files["vms.csv"]
    assert run_import(base_files).ok
    paths = exporter.export_directory(tmp_path)
    with (tmp_path / "systems.csv").open(encoding="utf-8-sig", newline="") as stream:
        rows = {row["code"]: row for row in csv.DictReader(stream)}
    assert rows["DB"]["move_with"] == "APP|RAP" and rows["APP"]["move_with"] == "DB"
    assert rows["DB"]["test_counterpart"] == "DB-T"
    result = Importer().run([Source.from_path(path) for path in paths])
    assert result.ok, errors(result)
    assert counts(result)["systems"] == (0, 0, 4)
    assert together("DB") == ["APP", "RAP"]
