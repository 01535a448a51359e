"""The planning data in import and export: test counterpart (by code), tester capacity, max systems per wave."""

from systems.models import Agency, System
from waves.models import Wave

from .conftest import counts, errors


def test_import_reads_planning_columns_and_sets_test_counterpart_by_code(run_import, base_files):
    base_files["agencies.csv"] = "code;name;kind;testkapasitet\nBYM;Bymiljøetaten;etat;3\nBSH;Bydel;bydel;\n"
    base_files["waves.csv"] = (
        "name;window_start;window_end;state;max_systems\nBølge 1;2027-03-06 18:00;2027-03-06 23:00;draft;10\n"
    )
    base_files["systems.csv"] = (
        "code;name;agency;environment;testsystem\nSAK;Sakarkiv;BYM;production;SAK-T\nSAK-T;Sakarkiv test;BYM;test;\n"
    )
    del base_files["vms.csv"]
    assert run_import(base_files).ok
    assert System.objects.get(code="SAK").test_counterpart.code == "SAK-T"
    assert Agency.objects.get(code="BYM").tester_capacity == 3
    assert Wave.objects.get(name="Bølge 1").max_systems == 10

    base_files["systems.csv"] = base_files["systems.csv"].replace(";SAK-T\n", ";\n", 1)
    result = run_import(base_files)
    assert counts(result)["systems"] == (0, 1, 1)
    assert System.objects.get(code="SAK").test_counterpart is None


def test_import_refuses_an_unknown_test_counterpart(run_import, base_files):
    base_files["systems.csv"] = "code;name;agency;environment;test_counterpart\nSAK;Sakarkiv;BYM;production;NOPE\n"
    del base_files["vms.csv"]
    result = run_import(base_files)
    assert errors(result) == ["systems.csv:2: test_counterpart: Ingen system har koden «NOPE»."]
    assert not System.objects.exists()
