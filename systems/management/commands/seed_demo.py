"""Create the demo inventory: a realistic, deterministic municipality at any scale (bulk inserts)."""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate, cycle

import holidays
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from systems import demo_data as D
from systems.choices import ContactRole, Criticality, Environment, Language, MigrationStatus
from systems.lifecycle import MIGRATED_STATES
from systems.models import VM, Agency, ContactPerson, System, SystemContact
from systems.roles import EDITOR_GROUP, VIEWER_GROUP
from systems.services import systemcontact_create
from waves.choices import WaveState
from waves.models import Wave
from waves.services import wave_set_state

BATCH = 5000
SEED_REASON = "seed_demo"


class Command(BaseCommand):
    help = "Create the demo inventory (scale 1: 392 systems, 1,349 VMs, 105/514 migrated) and demo users."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1, help="Multiply systems, VMs, contacts and waves by N.")
        parser.add_argument("--seed", type=int, default=2021, help="Random seed; the same seed gives the same data.")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing (but show the logins) if data exists.")
        parser.add_argument("--no-users", action="store_true", help="Create no demo users (for benchmarks).")

    def handle(self, *args, scale: int, seed: int, if_empty: bool, no_users: bool, **options):
        if getattr(settings, "MIGPORTAL_PRODUCTION", False):
            raise CommandError("seed_demo creates demo users with known passwords; it never runs in production.")
        if scale < 1:
            raise CommandError("--scale must be 1 or more.")
        if System.objects.exists():
            if not if_empty:
                raise CommandError("The inventory is not empty; seed_demo only fills an empty database.")
            self.stdout.write("Demo data exists already; nothing created.")
            if not no_users and options["verbosity"]:
                self.stdout.write(demo_logins_text(demo_passwords(seed)))
            return
        started = timezone.now()
        with transaction.atomic():
            counts = DemoInventory(scale=scale, seed=seed).create()
            if not no_users:
                passwords = demo_passwords(seed)
                create_demo_users(passwords)
        elapsed = (timezone.now() - started).total_seconds()
        self.stdout.write(
            self.style.SUCCESS(f"Created in {elapsed:.1f} s: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        )
        if not no_users and options["verbosity"]:
            self.stdout.write(demo_logins_text(passwords))


# user name → (what they are, where they start)
DEMO_USERS = {
    "admin": ("administrator: everything, including the Django admin", "/admin/"),
    "redaktor": ("project staff, editor", "/staff/"),
    "leser": ("project staff, read-only", "/staff/"),
    "kontakt": ("contact person: a notice to confirm, a test to report", "/portal/"),
}


def demo_logins_text(passwords: dict[str, str]) -> str:
    """The demo logins as a table: user name, password, e-mail (the portal's login link asks for it), start page."""
    User = get_user_model()
    emails = dict(User.objects.filter(username__in=passwords).values_list("username", "email"))
    site = settings.SITE_URL.rstrip("/")
    rows = [("user name", "password", "e-mail", "start page", "")]
    rows += [
        (username, password, emails.get(username, ""), site + DEMO_USERS[username][1], DEMO_USERS[username][0])
        for username, password in passwords.items()
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = ["", "Demo logins (development only; log in at " + site + "/accounts/login/):"]
    lines += ["  " + "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=False)) for row in rows]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def demo_passwords(seed: int) -> dict[str, str]:
    rng = random.Random(f"passwords-{seed}")
    return {name: f"demo-{name}-{rng.randrange(1000, 9999)}" for name in DEMO_USERS}


def create_demo_users(passwords: dict[str, str]) -> None:
    User = get_user_model()
    admin = User.objects.create_superuser("admin", "admin@kommune.example", passwords["admin"])
    admin.first_name, admin.last_name = "Ada", "Administrator"
    admin.save()
    for username, group_name, first, last in [
        ("redaktor", EDITOR_GROUP, "Ragnhild", "Redaktør"),
        ("leser", VIEWER_GROUP, "Lars", "Leser"),
    ]:
        user = User.objects.create_user(username, f"{username}@kommune.example", passwords[username])
        user.first_name, user.last_name, user.is_staff = first, last, False
        user.save()
        user.groups.add(Group.objects.get(name=group_name))
    contact = demo_contact_person()
    first, _space, last = contact.name.partition(" ")
    contact_user = User.objects.create_user(
        "kontakt", contact.email, passwords["kontakt"], first_name=first, last_name=last
    )
    contact.user = contact_user
    contact.save(update_fields=["user"])


def demo_contact_person() -> ContactPerson:
    """The contact person the `kontakt` login belongs to, given something to do at once.

    They are the primary contact of a system in the first coming confirmed wave (its announcement is published,
    waiting for their confirmation, and the window is days away) and the tester of a system of their agency that
    has moved and waits for its test report.
    """
    now = timezone.now()
    # A published announcement moves its systems to "notified" (the inventory does not read the notices).
    announced = System.objects.filter(
        wave__state=WaveState.CONFIRMED, wave__window_start__gt=now, status=MigrationStatus.NOTIFIED
    )
    system = announced.order_by("wave__window_start", "code").first()
    contact = system.system_contacts.select_related("contact").get(role=ContactRole.PRIMARY).contact
    migrated = System.objects.filter(status=MigrationStatus.MIGRATED)
    tested = migrated.filter(agency=contact.agency_id).order_by("code").first() or migrated.order_by("code").first()
    if not tested.system_contacts.filter(contact=contact, role=ContactRole.TESTER).exists():
        systemcontact_create(system=tested, contact=contact, role=ContactRole.TESTER, by=None)
    return contact


def split_total(total: int, parts: int, rng: random.Random) -> list[int]:
    """`parts` positive integers summing to `total`, skewed like real systems (a few have many VMs)."""
    counts = [1] * parts
    weights = [rng.paretovariate(1.6) for _ in range(parts)]
    for index in rng.choices(range(parts), cum_weights=list(accumulate(weights)), k=total - parts):
        counts[index] += 1
    return counts


def norwegian_mobile_number(rng: random.Random) -> str:
    return f"+47 {rng.choice('49')}{rng.randrange(10, 99)} {rng.randrange(10, 99)} {rng.randrange(100, 999)}"


class DemoInventory:
    """Builds the demo inventory in memory and writes it with bulk inserts (history rows included)."""

    def __init__(self, *, scale: int, seed: int):
        self.scale = scale
        self.seed = seed
        self.rng = random.Random(seed)
        self.tz = timezone.get_current_timezone()
        today = timezone.localdate()
        self.this_monday = today - timedelta(days=today.weekday())
        self.holidays = holidays.Norway(years=range(today.year - 2, today.year + 3))

    def create(self) -> dict[str, int]:
        agencies = bulk_create_with_history(
            [Agency(code=code, name=name, kind=kind) for code, name, kind in D.AGENCIES],
            Agency,
            batch_size=BATCH,
            default_change_reason=SEED_REASON,
        )
        waves = self._create_waves()
        systems = self._create_systems(agencies, waves)
        vms = self._create_vms(systems)
        contacts, links = self._create_contacts(agencies, systems)
        self._create_dependencies(systems)
        self._create_planning_links(systems)
        self._confirm_upcoming_waves(waves)
        return {
            "agencies": len(agencies),
            "waves": len(waves),
            "systems": len(systems),
            "VMs": len(vms),
            "contact persons": len(contacts),
            "system contacts": len(links),
        }

    # --- waves ----------------------------------------------------------------------------------
    def _window_day(self, start: datetime, index: int, count: int, span_days: int) -> datetime:
        day = start + timedelta(days=span_days * index // max(count, 1))
        while day.weekday() == 6 or day.date() in self.holidays:  # no windows on Sundays or public holidays
            day += timedelta(days=1)
        return day

    def _create_waves(self) -> list[Wave]:
        past, upcoming = D.PAST_WAVES * self.scale, (D.WAVES - D.PAST_WAVES) * self.scale
        first_past = datetime.combine(self.this_monday - timedelta(weeks=48), time(18), tzinfo=self.tz)
        first_upcoming = datetime.combine(self.this_monday + timedelta(weeks=1), time(18), tzinfo=self.tz)
        waves = []
        for number in range(past + upcoming):
            in_past = number < past
            day = (
                self._window_day(first_past, number, past, 47 * 7)
                if in_past
                else self._window_day(first_upcoming, number - past, upcoming, 24 * 7)
            )
            waves.append(
                Wave(
                    name=f"Bølge {number + 1}",
                    window_start=day,
                    window_end=day + timedelta(hours=5),
                    state=WaveState.COMPLETED if in_past else WaveState.DRAFT,
                    max_vms=self.rng.choice([None, 60, 80, 120]),
                    notes="Testsystemer" if number < past // 2 else "",
                )
            )
        return bulk_create_with_history(waves, Wave, batch_size=BATCH, default_change_reason=SEED_REASON)

    def _confirm_upcoming_waves(self, waves: list[Wave]) -> None:
        upcoming = [wave for wave in waves if wave.state == WaveState.DRAFT]
        # A wave the random draw filled over its VM limit loses the limit (confirming checks it).
        vm_counts = dict(
            VM.objects.filter(system__wave__in=upcoming).values_list("system__wave").annotate(n=Count("pk"))
        )
        over = [wave for wave in upcoming if wave.max_vms and vm_counts.get(wave.pk, 0) > wave.max_vms]
        Wave.objects.filter(pk__in=[wave.pk for wave in over]).update(max_vms=None)
        for wave in upcoming[: D.CONFIRMED_UPCOMING_WAVES * self.scale]:
            wave_set_state(wave=wave, state=WaveState.CONFIRMED, by=None, reason=SEED_REASON)

    # --- systems and VMs ------------------------------------------------------------------------
    def _statuses(self) -> list[tuple[str, str]]:
        """(environment, status) for every system, in creation order."""
        s = self.scale
        migrated_test, migrated_prod = D.MIGRATED_TEST_SYSTEMS * s, (D.MIGRATED_SYSTEMS - D.MIGRATED_TEST_SYSTEMS) * s
        test_rest = (D.TEST_SYSTEMS - D.MIGRATED_TEST_SYSTEMS) * s
        prod_rest = (D.SYSTEMS - D.TEST_SYSTEMS) * s - migrated_prod
        rows = [(Environment.TEST, MigrationStatus.VERIFIED)] * migrated_test
        rows += [(Environment.PRODUCTION, MigrationStatus.VERIFIED)] * migrated_prod
        rows += [(Environment.TEST, MigrationStatus.NOT_PLANNED)] * test_rest
        rows += [(Environment.PRODUCTION, MigrationStatus.NOT_PLANNED)] * prod_rest
        rows = [list(row) for row in rows]
        migrated = rows[: migrated_test + migrated_prod]
        for row in self.rng.sample(migrated, len(migrated) // 4):
            row[1] = MigrationStatus.MIGRATED  # moved, not yet signed off by a tester
        rest = rows[len(migrated) :]
        picks = self.rng.sample(rest, (D.PLANNED_SYSTEMS + D.ON_HOLD_SYSTEMS + D.ROLLED_BACK_SYSTEMS) * s)
        for index, row in enumerate(picks):
            if index < D.ROLLED_BACK_SYSTEMS * s:
                row[1] = MigrationStatus.ROLLED_BACK
            elif index < (D.ROLLED_BACK_SYSTEMS + D.ON_HOLD_SYSTEMS) * s:
                row[1] = MigrationStatus.ON_HOLD
            else:
                row[1] = MigrationStatus.PLANNED
        return [tuple(row) for row in rows]

    def _create_systems(self, agencies: list[Agency], waves: list[Wave]) -> list[System]:
        rng = self.rng
        past_waves = [wave for wave in waves if wave.state == WaveState.COMPLETED]
        upcoming_waves = [wave for wave in waves if wave.state != WaveState.COMPLETED]
        test_waves, prod_waves = past_waves[: len(past_waves) // 2], past_waves[len(past_waves) // 2 :]
        agency_weights = list(accumulate(rng.paretovariate(1.2) for _ in agencies))
        # Moved systems go round the past waves, so every done wave on the dashboard has moved something.
        moved_into = {Environment.TEST: cycle(test_waves), Environment.PRODUCTION: cycle(prod_waves)}
        systems = []
        for number, (environment, status) in enumerate(self._statuses(), start=1):
            agency = rng.choices(agencies, cum_weights=agency_weights)[0]
            wave, migrated_at, before_hold = None, None, ""
            if status in (MigrationStatus.MIGRATED, MigrationStatus.VERIFIED, MigrationStatus.ROLLED_BACK):
                wave = next(moved_into[environment])
                migrated_at = wave.window_end if status != MigrationStatus.ROLLED_BACK else None
            elif status == MigrationStatus.PLANNED:
                wave = rng.choice(upcoming_waves)
            elif status == MigrationStatus.ON_HOLD:
                before_hold = MigrationStatus.PLANNED
            domain = rng.choice(D.SYSTEM_DOMAINS)
            systems.append(
                System(
                    code=f"CI{number:06d}",
                    name=f"{domain} {agency.code}" + (" test" if environment == Environment.TEST else ""),
                    description=f"{domain} for {agency.name}.",
                    agency=agency,
                    environment=environment,
                    criticality=rng.choices(Criticality.values, weights=[2, 5, 3, 1])[0],
                    status=status,
                    status_before_hold=before_hold,
                    migrated_at=migrated_at,
                    wave=wave,
                    source_datacenter=rng.choice(D.SOURCE_DATACENTERS),
                    target_datacenter=rng.choice(D.TARGET_DATACENTERS),
                )
            )
        return bulk_create_with_history(systems, System, batch_size=BATCH, default_change_reason=SEED_REASON)

    def _create_vms(self, systems: list[System]) -> list[VM]:
        rng = self.rng
        migrated = [s for s in systems if s.status in (MigrationStatus.MIGRATED, MigrationStatus.VERIFIED)]
        others = [s for s in systems if s.status not in (MigrationStatus.MIGRATED, MigrationStatus.VERIFIED)]
        migrated_vms = D.MIGRATED_VMS * self.scale
        per_system = dict(zip(migrated, split_total(migrated_vms, len(migrated), rng), strict=True))
        per_system |= dict(zip(others, split_total(D.VMS * self.scale - migrated_vms, len(others), rng), strict=True))
        os_names, os_weights = zip(*D.OPERATING_SYSTEMS, strict=True)
        vms = []
        for system in systems:
            prefix = f"{system.agency.code.lower()}-{'t' if system.environment == Environment.TEST else 'p'}"
            for _ in range(per_system[system]):
                os_name = rng.choices(os_names, weights=os_weights)[0]
                vms.append(
                    VM(
                        hostname=f"{prefix}{'win' if os_name.startswith('Windows') else 'lx'}{len(vms) + 1:06d}",
                        system=system,
                        os=os_name,
                        vcpus=rng.choice([1, 2, 2, 4, 4, 8, 16]),
                        memory_gb=Decimal(rng.choice([2, 4, 8, 8, 16, 32, 64])),
                        disk_gb=Decimal(rng.choice([40, 60, 80, 100, 200, 500, 1000])),
                        status=system.status,
                        status_before_hold=system.status_before_hold,
                        migrated_at=system.migrated_at,
                    )
                )
        return bulk_create_with_history(vms, VM, batch_size=BATCH, default_change_reason=SEED_REASON)

    # --- contacts -------------------------------------------------------------------------------
    def _create_contacts(self, agencies: list[Agency], systems: list[System]):
        rng = self.rng
        contacts, seen = [], set()
        for number in range(D.CONTACTS * self.scale):
            agency = agencies[number % len(agencies)]
            first, last = rng.choice(D.FIRST_NAMES), rng.choice(D.LAST_NAMES)
            local = f"{first}.{last}".lower().translate(str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ü": "u"}))
            email = f"{local}@{agency.code.lower()}.kommune.example"
            if email in seen:
                email = f"{local}{number}@{agency.code.lower()}.kommune.example"
            seen.add(email)
            contacts.append(
                ContactPerson(
                    name=f"{first} {last}",
                    email=email,
                    phone=norwegian_mobile_number(rng),
                    agency=agency,
                    language=Language.EN if rng.random() < 0.05 else Language.NB,
                )
            )
        contacts = bulk_create_with_history(
            contacts, ContactPerson, batch_size=BATCH, default_change_reason=SEED_REASON
        )
        by_agency: dict[int, list[ContactPerson]] = {}
        for contact in contacts:
            by_agency.setdefault(contact.agency_id, []).append(contact)
        links = []
        for system in systems:
            pool = by_agency[system.agency_id]
            people = rng.sample(pool, min(len(pool), 3))
            links.append(SystemContact(system=system, contact=people[0], role=ContactRole.PRIMARY))
            if len(people) > 1 and rng.random() < 0.8:
                links.append(SystemContact(system=system, contact=people[1], role=ContactRole.TESTER))
            if len(people) > 2 and rng.random() < 0.3:
                links.append(SystemContact(system=system, contact=people[2], role=ContactRole.OWNER))
        links = bulk_create_with_history(links, SystemContact, batch_size=BATCH, default_change_reason=SEED_REASON)
        return contacts, links

    def _create_dependencies(self, systems: list[System]) -> None:
        Through = System.depends_on.through
        rows = []
        for system in systems:
            if self.rng.random() < 0.25:
                for other in self.rng.sample(systems, 2):
                    if other.pk != system.pk and _moves_first(other, system):
                        rows.append(Through(from_system_id=system.pk, to_system_id=other.pk))
        Through.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)

    def _create_planning_links(self, systems: list[System]) -> None:
        """Among systems not planned yet: production systems with the test system they wait for (same agency),
        and pairs that must move together. A random stream of its own keeps the rest of the data as it was."""
        rng = random.Random(self.seed + 1)
        unplanned = [system for system in systems if system.status == MigrationStatus.NOT_PLANNED]
        by_agency: dict[int, list[System]] = {}
        for system in unplanned:
            by_agency.setdefault(system.agency_id, []).append(system)
        tests_by_agency = {
            agency: [system for system in group if system.environment == Environment.TEST]
            for agency, group in by_agency.items()
        }
        with_counterpart = []
        for system in unplanned:
            candidates = tests_by_agency.get(system.agency_id)
            if system.environment == Environment.PRODUCTION and candidates and rng.random() < 0.4:
                system.test_counterpart = rng.choice(candidates)
                with_counterpart.append(system)
        System.objects.bulk_update(with_counterpart, ["test_counterpart"], batch_size=BATCH)
        Through = System.move_with.through
        rows = []
        for system in unplanned:
            if rng.random() < 0.05:
                other = rng.choice(by_agency[system.agency_id])
                if other.pk != system.pk and system.test_counterpart != other and other.test_counterpart != system:
                    rows += [
                        Through(from_system_id=system.pk, to_system_id=other.pk),
                        Through(from_system_id=other.pk, to_system_id=system.pk),
                    ]
        Through.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)


def _moves_first(needed: System, system: System) -> bool:
    """Whether `system` may depend on `needed` in a plan that passes the planning checks: `needed` has moved,
    or `system` has no wave yet, or `needed` is in the same or an earlier wave."""
    if needed.status in MIGRATED_STATES or system.wave is None:
        return True
    return needed.wave is not None and needed.wave.window_start <= system.wave.window_start
