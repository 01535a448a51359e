"""import_inventory and export_inventory as an operator runs them."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from systems.models import Agency, System

from .conftest import AGENCIES, SYSTEMS, WAVES

pytestmark = pytest.mark.django_db


def _write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(exist_ok=True)
    for name, content in files.items():
        (directory / name).write_text(content, encoding="utf-8")
    return directory


def _run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_inventory", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_inventory_reads_a_directory_and_prints_counts_per_kind(tmp_path, editor_user):
    directory = _write(tmp_path / "in", {"agencies.csv": AGENCIES, "waves.csv": WAVES, "systems.csv": SYSTEMS})
    out, _err = _run(str(directory), "--user", "redaktor")
    lines = out.splitlines()
    assert lines[0].split() == ["opprettet", "endret", "uendret"]
    assert lines[1].split() == ["agencies", "2", "0", "0"]
    assert lines[3].split() == ["systems", "2", "0", "0"]
    assert "Importert på" in out
    assert System.objects.get(code="SAK").history.get().history_user == editor_user


def test_import_inventory_dry_run_writes_nothing(tmp_path):
    path = _write(tmp_path, {"agencies.csv": AGENCIES}) / "agencies.csv"
    out, _err = _run(str(path), "--dry-run")
    assert out.splitlines()[1].split() == ["agencies", "2", "0", "0"]
    assert "Prøvekjøring" in out
    assert not Agency.objects.exists()


def test_import_inventory_prints_every_error_and_exits_1(tmp_path):
    directory = _write(
        tmp_path, {"agencies.csv": "code;name\nBYM;\nBSH;\n", "waves.csv": WAVES, "systems.csv": SYSTEMS}
    )
    err = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_inventory", str(directory), stdout=io.StringIO(), stderr=err)
    assert raised.value.returncode == 1
    assert str(raised.value) == "2 feil: ingenting ble skrevet."
    assert err.getvalue().splitlines() == [
        "agencies.csv:2: name: Feltet må fylles ut.",
        "agencies.csv:3: name: Feltet må fylles ut.",
    ]
    assert not Agency.objects.exists()


def test_import_inventory_refuses_a_missing_path(tmp_path):
    with pytest.raises(CommandError, match="finnes ikke"):
        _run(str(tmp_path / "nowhere.csv"))


@pytest.mark.parametrize(
    ("fmt", "names"),
    [("csv", ["agencies.csv", "contacts.csv", "systems.csv", "vms.csv", "waves.csv"]), ("xlsx", ["inventory.xlsx"])],
)
def test_export_inventory_writes_the_files_import_reads(tmp_path, fmt, names):
    _run(str(_write(tmp_path / "in", {"agencies.csv": AGENCIES, "waves.csv": WAVES, "systems.csv": SYSTEMS})))
    call_command("export_inventory", str(tmp_path / "out"), "--format", fmt, stdout=io.StringIO())
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == names
    out, _err = _run(str(tmp_path / "out"))
    assert out.splitlines()[3].split() == ["systems", "0", "0", "2"]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_import_inventory_progress_bar_draws_on_a_terminal_only():
    from systems.inventory.management.commands.import_inventory import ProgressBar

    terminal, pipe = _Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        bar = ProgressBar(stream, width=10)
        for fraction in (0.0, 0.5, 0.5, 1.0):
            bar(fraction)
        bar.close()
    assert terminal.getvalue().split("\r")[1:4] == ["[..........]   0 %", "[#####.....]  50 %", "[##########] 100 %"]
    assert pipe.getvalue() == ""
