"""Fixtures shared by every test module: one user per role of DESIGN §6, and a logged-in client for each."""

from contextlib import contextmanager

import pytest
from django.contrib.auth.models import Group, Permission

from systems.roles import EDITOR_GROUP, GROUP_PERMISSIONS, VIEWER_GROUP

from .factories import ContactPersonFactory, UserFactory


def staff_group(name: str) -> Group:
    """The staff group made by migration systems.0002; made again after a transactional test flushed it."""
    group, created = Group.objects.get_or_create(name=name)
    if created:
        for app_label, codename in GROUP_PERMISSIONS[name]:
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return group


@pytest.fixture
def editor_user(db):
    user = UserFactory(username="redaktor", first_name="Ragnhild", last_name="Redaktør")
    user.groups.add(staff_group(EDITOR_GROUP))
    return user


@pytest.fixture
def viewer_user(db):
    user = UserFactory(username="leser", first_name="Lars", last_name="Leser")
    user.groups.add(staff_group(VIEWER_GROUP))
    return user


@pytest.fixture
def contact_person(db):
    """A contact person with a login and no staff rights."""
    user = UserFactory(username="kontakt")
    return ContactPersonFactory(user=user, email="kontakt@kommune.example", name="Kari Kontakt")


@pytest.fixture
def contact_user(contact_person):
    return contact_person.user


def _client_for(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def editor_client(client, editor_user):
    return _client_for(client, editor_user)


@pytest.fixture
def viewer_client(client, viewer_user):
    return _client_for(client, viewer_user)


@pytest.fixture
def contact_client(client, contact_user):
    return _client_for(client, contact_user)


@contextmanager
def real_celery_worker(**options):
    """A real Celery worker in a thread of this process, on the project's broker, starting from an empty queue:
    messages left there by earlier tests would otherwise run first and make the test wait for them."""
    from celery.contrib.testing.worker import start_worker

    from migportal.celery import app

    app.control.purge()
    with start_worker(app, perform_ping_check=False, **options) as worker:
        yield worker
