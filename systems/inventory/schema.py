"""The inventory file format: the five kinds of table, their columns, header aliases and cell parsers.

One description serves the reader (which header is which column), the importer (how a cell becomes a
value, with an error a user can act on) and the exporter (header names and how a value is written), so
importing an export changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from django.core.validators import EmailValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from migportal.spreadsheets import OSLO
from systems.choices import AgencyKind, ContactRole, Criticality, Environment, Language, MigrationStatus
from systems.models import VM, Agency, ContactPerson, System
from waves.choices import WaveState
from waves.models import Wave


class CellError(Exception):
    """A cell that cannot be read; the message is shown to the user after `file:row: column:`."""


def normalise(text: str) -> str:
    """Header / choice spelling that ignores case, surrounding space, `*`, and space-vs-hyphen-vs-underscore."""
    text = unicodedata.normalize("NFC", str(text)).replace("\ufeff", "").strip().strip("*").strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


# --- cell parsers: each takes a non-empty cell (str from CSV, or int/float/datetime from XLSX) ----------------


def _as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def text(max_length: int | None = None) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        result = _as_text(value)
        if max_length and len(result) > max_length:
            raise CellError(
                _("At most %(max)d characters (this has %(length)d).") % {"max": max_length, "length": len(result)}
            )
        return result

    return parse


def model_text(model: type[models.Model], field: str) -> Callable[[Any], str]:
    """Text as long as the model field allows (the model says it once)."""
    return text(model._meta.get_field(field).max_length)


def choice(choices: type[models.TextChoices], aliases: dict[str, str] | None = None) -> Callable[[Any], str]:
    """Accept a choice's value, its English or Norwegian label, or one of `aliases`."""
    accepted: dict[str, str] = {}
    for value, label in choices.choices:
        accepted[normalise(value)] = value
        for language in ("en", "nb"):
            with override(language):
                accepted.setdefault(normalise(str(label)), value)
    for alias, value in (aliases or {}).items():
        accepted.setdefault(normalise(alias), value)

    exact = dict(accepted) | {value: value for value in choices.values}

    def parse(raw: Any) -> str:
        try:
            return exact[raw] if raw in exact else accepted[normalise(_as_text(raw))]
        except (KeyError, TypeError):
            raise CellError(
                _("“%(value)s” is not an allowed value. Allowed: %(allowed)s.")
                % {"value": _as_text(raw), "allowed": ", ".join(choices.values)}
            ) from None

    parse.allowed = choices.values  # type: ignore[attr-defined]
    return parse


def _number_text(value: Any) -> str:
    """Normalise `1 024,5`, `1.024,5` or `1,024.5` to `1024.5`."""
    result = _as_text(value).replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if "," in result and "." in result:
        decimal_sep = "," if result.rfind(",") > result.rfind(".") else "."
        result = result.replace("." if decimal_sep == "," else ",", "")
    return result.replace(",", ".")


def positive_decimal(max_digits: int, decimal_places: int) -> Callable[[Any], Decimal]:
    def parse(raw: Any) -> Decimal:
        if isinstance(raw, int | float):
            raw = repr(raw)
        try:
            number = Decimal(_number_text(raw))
        except InvalidOperation:
            raise CellError(_("“%(value)s” is not a number.") % {"value": _as_text(raw)}) from None
        if not number.is_finite():
            raise CellError(_("“%(value)s” is not a number.") % {"value": _as_text(raw)})
        if number <= 0:
            raise CellError(_("Must be greater than zero (got %(value)s).") % {"value": _as_text(raw)})
        quantised = number.quantize(Decimal(1).scaleb(-decimal_places))
        if quantised != number:
            raise CellError(
                _("At most %(places)d decimals (got %(value)s).") % {"places": decimal_places, "value": raw}
            )
        if len(quantised.as_tuple().digits) > max_digits:
            raise CellError(_("The number %(value)s is too large.") % {"value": _as_text(raw)})
        return quantised

    return parse


def positive_integer(maximum: int) -> Callable[[Any], int]:
    def parse(raw: Any) -> int:
        try:
            number = Decimal(_number_text(raw)) if not isinstance(raw, int | float) else Decimal(repr(raw))
        except InvalidOperation:
            raise CellError(_("“%(value)s” is not a whole number.") % {"value": _as_text(raw)}) from None
        if not number.is_finite() or number != number.to_integral_value():
            raise CellError(_("“%(value)s” is not a whole number.") % {"value": _as_text(raw)})
        if number <= 0:
            raise CellError(_("Must be greater than zero (got %(value)s).") % {"value": _as_text(raw)})
        if number > maximum:
            raise CellError(_("At most %(max)d (got %(value)s).") % {"max": maximum, "value": _as_text(raw)})
        return int(number)

    return parse


_DATETIME_FORMATS = ("%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y kl. %H:%M")
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")


def _local(naive: dt.datetime) -> dt.datetime:
    return timezone.make_aware(naive, OSLO)


def _parse_datetime(raw: Any, *, date_only_ok: bool) -> dt.datetime:
    if isinstance(raw, dt.datetime):
        return raw if timezone.is_aware(raw) else _local(raw)
    if isinstance(raw, dt.date):
        if date_only_ok:
            return _local(dt.datetime.combine(raw, dt.time()))
        raw = raw.isoformat()
    value = _as_text(raw)
    try:
        # Fast path (C): 2021-03-06 18:00, 2021-03-06T18:00+01:00, 2021-03-06T17:00Z, and dates alone.
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is not None and (date_only_ok or ":" in value):
        return parsed if parsed.tzinfo is not None else _local(parsed)
    for fmt in _DATETIME_FORMATS if parsed is None else ():
        try:
            return _local(dt.datetime.strptime(value, fmt))  # noqa: DTZ007 - local Oslo time, made aware here
        except ValueError:
            pass
    if date_only_ok:
        for fmt in _DATE_FORMATS:
            try:
                return _local(dt.datetime.strptime(value, fmt))  # noqa: DTZ007
            except ValueError:
                pass
    if date_only_ok:
        message = _(
            "“%(value)s” is not a date. Use 2021-03-06, 06.03.2021, 2021-03-06 18:00 or ISO 8601 with an offset."
        )
    else:
        message = _(
            "“%(value)s” is not a date and time. Use 2021-03-06 18:00, 06.03.2021 18:00 (Oslo time) "
            "or ISO 8601 with an offset such as 2021-03-06T18:00+01:00."
        )
    raise CellError(message % {"value": value})


def date_time(raw: Any) -> dt.datetime:
    return _parse_datetime(raw, date_only_ok=False)


def date_or_date_time(raw: Any) -> dt.datetime:
    return _parse_datetime(raw, date_only_ok=True)


_EMAIL = EmailValidator()


@lru_cache(maxsize=4096)
def _valid_email_domain(domain: str) -> bool:
    # An inventory has many addresses but few domains: check each domain once.
    return domain in _EMAIL.domain_allowlist or _EMAIL.validate_domain_part(domain)


def email(raw: Any) -> str:
    value = _as_text(raw)
    user, _at, domain = value.rpartition("@")
    if not (user and domain and _EMAIL.user_regex.match(user) and _valid_email_domain(domain)):
        raise CellError(_("“%(value)s” is not a valid e-mail address.") % {"value": value})
    if len(value) > 254:
        raise CellError(_("At most %(max)d characters (this has %(length)d).") % {"max": 254, "length": len(value)})
    return value


def code_list(raw: Any) -> list[str]:
    """System codes separated by `|`, commas or white space; order kept, repeats dropped."""
    return list(dict.fromkeys(part for part in re.split(r"[|,\s]+", _as_text(raw)) if part))


# --- the kinds -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column: its header, how a cell is read, and where the exporter reads its value (a lookup path from
    the kind's model, e.g. `agency__code`; the column's name when not given)."""

    name: str
    parse: Callable[[Any], Any]
    required: bool = False
    aliases: tuple[str, ...] = ()
    source: str = ""

    @property
    def lookup(self) -> str:
        return self.source or self.name

    @property
    def spellings(self) -> Iterable[str]:
        yield normalise(self.name)
        yield from (normalise(alias) for alias in self.aliases)


@dataclass(frozen=True)
class Kind:
    name: str
    columns: tuple[Column, ...]
    file_aliases: tuple[str, ...] = ()
    headers: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "headers", {spelling: col for col in self.columns for spelling in col.spellings})

    @property
    def required(self) -> list[str]:
        return [column.name for column in self.columns if column.required]

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def lookups(self) -> list[str]:
        """Where the exporter reads each column, in column order."""
        return [column.lookup for column in self.columns]

    def describe_columns(self) -> str:
        return ", ".join(f"{column.name}*" if column.required else column.name for column in self.columns)


MIGRATED_AT_ALIASES = ("migrert", "migrert_dato", "migrert_tid")
STATUS = choice(
    MigrationStatus,
    {
        "ikke planlagt": "not_planned",
        "planlagt": "planned",
        "varslet": "notified",
        "under migrering": "in_progress",
        "migrert": "migrated",
        "verifisert": "verified",
        "satt på vent": "on_hold",
        "på vent": "on_hold",
        "tilbakerullet": "rolled_back",
        "utgår": "excluded",
    },
)

AGENCIES = Kind(
    "agencies",
    (
        Column("code", model_text(Agency, "code"), required=True, aliases=("kode",)),
        Column("name", model_text(Agency, "name"), required=True, aliases=("navn",)),
        Column("kind", choice(AgencyKind, {"annet": "other", "annen": "other"}), aliases=("type", "art")),
        Column("tester_capacity", positive_integer(2_147_483_647), aliases=("testkapasitet",)),
    ),
    file_aliases=("virksomheter", "agency"),
)
WAVES = Kind(
    "waves",
    (
        Column("name", model_text(Wave, "name"), required=True, aliases=("navn", "bølge")),
        Column("window_start", date_time, required=True, aliases=("start", "vindu_start", "fra")),
        Column("window_end", date_time, required=True, aliases=("end", "slutt", "vindu_slutt", "til")),
        Column(
            "state",
            choice(
                WaveState,
                {
                    "utkast": "draft",
                    "bekreftet": "confirmed",
                    "pågår": "in_progress",
                    "under migrering": "in_progress",
                    "fullført": "completed",
                    "ferdig": "completed",
                    "avlyst": "cancelled",
                },
            ),
            aliases=("tilstand", "status"),
        ),
        Column("max_vms", positive_integer(2_147_483_647), aliases=("maks_vm", "maks_vmer", "max_vm")),
        Column("max_systems", positive_integer(2_147_483_647), aliases=("maks_systemer",)),
        Column("notes", text(), aliases=("notater", "merknad", "merknader")),
    ),
    file_aliases=("bølger", "bolger", "wave"),
)
SYSTEMS = Kind(
    "systems",
    (
        Column("code", model_text(System, "code"), required=True, aliases=("kode", "systemkode")),
        Column("name", model_text(System, "name"), required=True, aliases=("navn", "systemnavn")),
        Column(
            "agency",
            model_text(Agency, "code"),
            required=True,
            aliases=("virksomhet", "etat", "agency_code"),
            source="agency__code",
        ),
        Column(
            "environment",
            choice(Environment, {"prod": "production", "produksjon": "production", "tst": "test"}),
            required=True,
            aliases=("miljø", "miljo", "env"),
        ),
        Column(
            "criticality",
            choice(Criticality, {"lav": "low", "middels": "medium", "høy": "high", "kritisk": "critical"}),
            aliases=("kritikalitet", "kritiskhet"),
        ),
        Column("status", STATUS),
        Column("wave", model_text(Wave, "name"), aliases=("bølge", "bolge"), source="wave__name"),
        Column("depends_on", code_list, aliases=("avhenger_av", "avhengigheter")),
        Column("move_with", code_list, aliases=("flyttes_med", "flytt_sammen_med", "move_together")),
        Column(
            "test_counterpart",
            text(50),
            aliases=("testsystem", "tilhørende_testsystem"),
            source="test_counterpart__code",
        ),
        Column("description", text(), aliases=("beskrivelse",)),
        Column(
            "source_datacenter", model_text(System, "source_datacenter"), aliases=("kildedatasenter", "fra_datasenter")
        ),
        Column(
            "target_datacenter",
            model_text(System, "target_datacenter"),
            aliases=("måldatasenter", "maldatasenter", "til_datasenter"),
        ),
        Column("downtime_start", date_time, aliases=("nedetid_start", "egen_nedetid_start")),
        Column("downtime_end", date_time, aliases=("nedetid_slutt", "egen_nedetid_slutt")),
        Column("migrated_at", date_or_date_time, aliases=MIGRATED_AT_ALIASES),
    ),
    file_aliases=("systemer", "system"),
)
VMS = Kind(
    "vms",
    (
        Column("hostname", model_text(VM, "hostname"), required=True, aliases=("vertsnavn", "host", "vm", "navn")),
        Column(
            "system",
            model_text(System, "code"),
            required=True,
            aliases=("systemkode", "system_code"),
            source="system__code",
        ),
        Column("os", model_text(VM, "os"), aliases=("operativsystem",)),
        Column("vcpus", positive_integer(32767), aliases=("vcpu", "cpu", "cpus")),
        Column("memory_gb", positive_decimal(8, 2), aliases=("minne_gb", "ram_gb", "minne", "ram")),
        Column("disk_gb", positive_decimal(10, 2), aliases=("disk",)),
        Column("status", STATUS),
        Column("migrated_at", date_or_date_time, aliases=MIGRATED_AT_ALIASES),
    ),
    file_aliases=("vm", "virtuelle_maskiner", "vmer", "vm_er"),
)
CONTACTS = Kind(
    "contacts",
    (
        Column("email", email, required=True, aliases=("e_post", "epost", "e_mail", "mail")),
        Column("name", model_text(ContactPerson, "name"), required=True, aliases=("navn",)),
        Column("phone", model_text(ContactPerson, "phone"), aliases=("telefon", "tlf", "mobil")),
        Column("agency", model_text(Agency, "code"), aliases=("virksomhet", "etat"), source="agency__code"),
        # One row per role a person has for a system (and one row without system for a person without any).
        Column("system", model_text(System, "code"), aliases=("systemkode",), source="system_contacts__system__code"),
        Column(
            "role",
            choice(
                ContactRole,
                {
                    "primær": "primary",
                    "primaer": "primary",
                    "sekundær": "secondary",
                    "sekundaer": "secondary",
                    "eier": "owner",
                    "systemeier": "owner",
                },
            ),
            aliases=("rolle",),
            source="system_contacts__role",
        ),
        Column("language", choice(Language, {"norsk": "nb", "bokmål": "nb", "engelsk": "en"}), aliases=("språk",)),
    ),
    file_aliases=("kontakter", "kontaktpersoner", "contact"),
)

KINDS: dict[str, Kind] = {kind.name: kind for kind in (AGENCIES, WAVES, SYSTEMS, VMS, CONTACTS)}
KIND_ORDER = list(KINDS)


def kind_for_name(name: str) -> Kind | None:
    """The kind a file or sheet name stands for: `systems`, `Systems-2021`, `vms_export`, `kontakter`…"""
    stem = normalise(name.rsplit("/", 1)[-1])
    for suffix in (".csv", ".txt", ".xlsx"):
        stem = stem.removesuffix(suffix)
    for kind in KINDS.values():
        for spelling in (kind.name, *kind.file_aliases):
            spelling = normalise(spelling)
            if stem == spelling or re.match(rf"^{re.escape(spelling)}[_.\d]", stem):
                return kind
    return None
