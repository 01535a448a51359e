"""factory_boy factories for every model; tests ask for what they need and get valid rows."""

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from systems.choices import ContactRole, Environment, MigrationStatus
from systems.models import VM, Agency, ContactPerson, System, SystemContact
from waves.models import Wave


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@kommune.example")
    password = factory.django.Password("correct-horse-battery")


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    code = factory.Sequence(lambda n: f"AG{n:03d}")
    name = factory.Sequence(lambda n: f"Etat for tjeneste {n}")


class WaveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Wave

    name = factory.Sequence(lambda n: f"Bølge {n}")
    window_start = factory.LazyFunction(lambda: (timezone.now() + timedelta(days=30)).replace(microsecond=0))
    window_end = factory.LazyAttribute(lambda wave: wave.window_start + timedelta(hours=5))


class SystemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = System

    code = factory.Sequence(lambda n: f"SYS-{n:05d}")
    name = factory.Sequence(lambda n: f"Fagsystem {n}")
    agency = factory.SubFactory(AgencyFactory)
    environment = Environment.PRODUCTION


class VMFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VM

    hostname = factory.Sequence(lambda n: f"vm{n:05d}.kommune.local")
    system = factory.SubFactory(SystemFactory)
    os = "Windows Server 2019"
    vcpus = 2
    memory_gb = 8
    disk_gb = 100


class ContactPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPerson

    name = factory.Sequence(lambda n: f"Kari Nordmann {n}")
    email = factory.Sequence(lambda n: f"kontakt{n}@kommune.example")
    agency = factory.SubFactory(AgencyFactory)


class SystemContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SystemContact

    system = factory.SubFactory(SystemFactory)
    contact = factory.SubFactory(ContactPersonFactory)
    role = ContactRole.PRIMARY


# --- Notices (portal tests build published notices directly; the pipeline makes them in production) ---
from notifications.choices import DeliveryChannel, NoticeKind, NoticeState  # noqa: E402
from notifications.messages import system_snapshot  # noqa: E402
from notifications.models import Acknowledgement, Delivery, Notice  # noqa: E402


class NoticeFactory(factory.django.DjangoModelFactory):
    """A published notice of a wave's window; pass `systems=[...]` to name the affected systems."""

    class Meta:
        model = Notice
        skip_postgeneration_save = True

    wave = factory.SubFactory(WaveFactory)
    kind = NoticeKind.ANNOUNCEMENT
    state = NoticeState.PUBLISHED
    publish_at = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0))
    published_at = factory.LazyAttribute(lambda notice: notice.publish_at)
    window_start = factory.LazyAttribute(lambda notice: notice.wave.window_start)
    window_end = factory.LazyAttribute(lambda notice: notice.wave.window_end)
    title = factory.LazyAttribute(lambda notice: f"Nedetid for {notice.wave.name}")
    body = "Systemene er utilgjengelige i migreringsvinduet."

    @factory.post_generation
    def systems(self, create, extracted, **kwargs):
        if create and extracted:
            self.systems.set(extracted)


class AcknowledgementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Acknowledgement

    notice = factory.SubFactory(NoticeFactory)
    contact = factory.SubFactory(ContactPersonFactory)


def announced_wave(*, systems: int = 0, **fields) -> Wave:
    """A confirmed wave with `systems` planned systems whose announcement went out: its window starts tomorrow,
    so confirming publishes the announcement at once (short notice)."""
    from waves.services import wave_set_state

    start = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    wave = WaveFactory(window_start=start, window_end=start + timedelta(hours=5), **fields)
    SystemFactory.create_batch(systems, wave=wave, status="planned")
    return wave_set_state(wave=wave, state="confirmed", by=None)


def collected_changes(wave: Wave) -> dict[str, str]:
    """What the wave's change notice still being collected says changed: system code → added/removed/moved."""
    notice = Notice.objects.get(wave=wave, kind=NoticeKind.CHANGE, state=NoticeState.SCHEDULED)
    return {item["code"]: item["change"] for item in notice.changes}


class DeliveryFactory(factory.django.DjangoModelFactory):
    """A pending e-mail delivery of a published notice to one contact person, due now."""

    class Meta:
        model = Delivery

    notice = factory.SubFactory(NoticeFactory)
    contact = factory.SubFactory(ContactPersonFactory)
    channel = DeliveryChannel.EMAIL
    recipient = factory.LazyAttribute(lambda delivery: delivery.contact.email)
    next_attempt_at = factory.LazyFunction(timezone.now)
    queued_at = factory.LazyFunction(timezone.now)


def page_type_scene(contact: ContactPerson, *, agency: dict, wave: dict, system: dict, hostname: str) -> dict:
    """One object of each kind a page shows, around `contact`: their agency, a wave with their system (they are its
    primary contact) and a published notice of it, a migrated system they test, and a VM. For tests that visit every
    page type."""
    contact.agency = AgencyFactory(**agency)
    contact.save()
    the_wave = WaveFactory(**wave)
    the_system = SystemFactory(agency=contact.agency, wave=the_wave, status=MigrationStatus.PLANNED, **system)
    migrated = SystemFactory(agency=contact.agency, status=MigrationStatus.MIGRATED)
    SystemContactFactory(system=the_system, contact=contact, role=ContactRole.PRIMARY)
    SystemContactFactory(system=migrated, contact=contact, role=ContactRole.TESTER)
    return {
        "agency": contact.agency,
        "wave": the_wave,
        "system": the_system,
        "vm": VMFactory(system=the_system, hostname=hostname),
        "contact": contact,
        "notice": NoticeFactory(wave=the_wave, systems=[the_system], systems_snapshot=[system_snapshot(the_system)]),
    }
