"""A system's VM count is stored (so the system list sorts by it without counting every system's VMs), and it
stays right whichever route adds, moves or removes VMs."""

import pytest
from django.urls import reverse

from systems import services
from systems.inventory.importer import Importer
from systems.models import VM, System
from tests.factories import SystemFactory, VMFactory
from tests.importing.conftest import sources

pytestmark = pytest.mark.django_db


def _listed_counts(client, **params) -> list[tuple[str, str]]:
    """(code, VM count) of each row of the system list, in the order shown."""
    table = client.get(reverse("systems:system_list"), {"columns": ["code", "vm_count"], **params}).context["table"]
    return [(row.get_cell_value("code"), row.get_cell_value("vm_count")) for row in table.paginated_rows]


def test_vm_count_follows_vms_added_moved_and_removed_through_the_services(editor_user, viewer_client):
    one, two = SystemFactory(code="EN"), SystemFactory(code="TO")
    first = services.vm_create(by=editor_user, hostname="a.kommune.local", system=one)
    services.vm_create(by=editor_user, hostname="b.kommune.local", system=one)
    services.vm_create(by=editor_user, hostname="c.kommune.local", system=two)
    assert _listed_counts(viewer_client, sort="code") == [("EN", 2), ("TO", 1)]

    services.vm_update(vm=first, by=editor_user, system=two)
    assert _listed_counts(viewer_client, sort="-vm_count") == [("TO", 2), ("EN", 1)]

    services.vm_delete(vm=VM.objects.get(hostname="b.kommune.local"), by=editor_user)
    assert _listed_counts(viewer_client, sort="vm_count") == [("EN", 0), ("TO", 2)]


def test_saving_a_system_loaded_before_its_vms_changed_keeps_the_count(editor_user):
    system = SystemFactory()
    stale = System.objects.get(pk=system.pk)
    VMFactory.create_batch(3, system=system)
    stale.name = "Nytt navn"
    stale.save()
    services.system_update(system=stale, by=editor_user, name="Enda et navn")
    assert System.objects.values_list("name", "vm_tally").get(pk=system.pk) == ("Enda et navn", 3)


def test_vm_count_follows_an_import_and_a_deleted_system(editor_user, viewer_client):
    files = {
        "agencies.csv": "code;name;kind\nBYM;Bymiljøetaten;etat\n",
        "systems.csv": "code;name;agency;environment\nSAK;Sakarkiv;BYM;production\nWEB;Nettsider;BYM;test\n",
        "vms.csv": "hostname;system\n" + "".join(f"sak{n}.kommune.local;SAK\n" for n in range(4)) + "web.local;WEB\n",
    }
    assert Importer(by=editor_user).run(sources(files)).ok
    assert _listed_counts(viewer_client, sort="-vm_count") == [("SAK", 4), ("WEB", 1)]

    moved = {"vms.csv": "hostname;system\nsak0.kommune.local;WEB\nsak1.kommune.local;WEB\n"}
    assert Importer(by=editor_user).run(sources(moved)).ok
    assert _listed_counts(viewer_client, sort="-vm_count") == [("WEB", 3), ("SAK", 2)]

    services.system_delete(system=System.objects.get(code="SAK"), by=editor_user)
    assert _listed_counts(viewer_client) == [("WEB", 3)]
