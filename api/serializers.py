"""What the API shows and accepts of each row. Relations by natural key: agency code, wave name, system code,
contact e-mail. Status and wave state are read-only here: they change through the transition actions."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from notifications.models import Acknowledgement, Delivery, Notice
from systems.choices import MigrationStatus
from systems.models import VM, Agency, ContactPerson, System, SystemContact
from waves.choices import WaveState
from waves.models import Wave


class NaturalKey(serializers.SlugRelatedField):
    """A related row named by its natural key (agency code, wave name, system code, contact e-mail)."""

    def to_internal_value(self, data):
        if "\x00" in str(data):  # PostgreSQL cannot even compare with such a text
            self.fail("does_not_exist", slug_name=self.slug_field, value="\\x00")
        return super().to_internal_value(data)


class AgencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "code", "name", "kind"]


class SystemSerializer(serializers.ModelSerializer):
    agency = NaturalKey(slug_field="code", queryset=Agency.objects.all())
    wave = NaturalKey(slug_field="name", queryset=Wave.objects.all(), allow_null=True, required=False)
    depends_on = NaturalKey(slug_field="code", queryset=System.objects.all(), many=True, required=False)

    class Meta:
        model = System
        fields = [
            "id",
            "code",
            "name",
            "description",
            "agency",
            "environment",
            "criticality",
            "wave",
            "status",
            "migrated_at",
            "downtime_start",
            "downtime_end",
            "depends_on",
            "source_datacenter",
            "target_datacenter",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "migrated_at", "created_at", "updated_at"]


class VMSerializer(serializers.ModelSerializer):
    system = NaturalKey(slug_field="code", queryset=System.objects.all())

    class Meta:
        model = VM
        fields = ["id", "hostname", "system", "os", "vcpus", "memory_gb", "disk_gb", "status", "migrated_at"]
        read_only_fields = ["status", "migrated_at"]


class ContactPersonSerializer(serializers.ModelSerializer):
    agency = NaturalKey(slug_field="code", queryset=Agency.objects.all(), allow_null=True, required=False)

    class Meta:
        model = ContactPerson
        fields = ["id", "name", "email", "phone", "agency", "language"]


class SystemContactSerializer(serializers.ModelSerializer):
    system = NaturalKey(slug_field="code", queryset=System.objects.all())
    contact = NaturalKey(slug_field="email", queryset=ContactPerson.objects.all())

    class Meta:
        model = SystemContact
        fields = ["id", "system", "contact", "role"]


class WaveSerializer(serializers.ModelSerializer):
    class Meta:
        model = Wave
        fields = ["id", "name", "window_start", "window_end", "state", "notes", "max_vms"]
        read_only_fields = ["state"]


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=MigrationStatus.choices, help_text=_("the status to move to"))


class BulkTransitionSerializer(TransitionSerializer):
    codes = serializers.ListField(
        child=serializers.CharField(max_length=50), min_length=1, max_length=1000, help_text=_("system codes")
    )


class WaveStateSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=WaveState.choices)


NOTICE_FIELDS = [
    "id",
    "wave",
    "kind",
    "state",
    "publish_at",
    "published_at",
    "short_notice",
    "window_start",
    "window_end",
    "previous_window_start",
    "previous_window_end",
    "title",
    "body",
]


class ContactNoticeSerializer(serializers.ModelSerializer):
    """A notice as its contact person reads it in the portal: whether they confirmed it, and whether a later
    notice asks them again."""

    wave = NaturalKey(slug_field="name", read_only=True)
    acknowledged = serializers.BooleanField(read_only=True)
    asked_again = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notice
        fields = [*NOTICE_FIELDS, "acknowledged", "asked_again"]


class NoticeSerializer(serializers.ModelSerializer):
    wave = NaturalKey(slug_field="name", read_only=True)
    deliveries_total = serializers.IntegerField(read_only=True)
    deliveries_sent = serializers.IntegerField(read_only=True)
    deliveries_pending = serializers.IntegerField(read_only=True)
    deliveries_failed = serializers.IntegerField(read_only=True)
    deliveries_dead = serializers.IntegerField(read_only=True)

    class Meta:
        model = Notice
        fields = [
            *NOTICE_FIELDS,
            "deliveries_total",
            "deliveries_sent",
            "deliveries_pending",
            "deliveries_failed",
            "deliveries_dead",
        ]


class DeliverySerializer(serializers.ModelSerializer):
    contact = NaturalKey(slug_field="email", read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "kind",
            "notice",
            "channel",
            "recipient",
            "contact",
            "state",
            "attempts",
            "next_attempt_at",
            "last_error",
            "sent_at",
            "created_at",
        ]


class AcknowledgementSerializer(serializers.ModelSerializer):
    contact = NaturalKey(slug_field="email", read_only=True)

    class Meta:
        model = Acknowledgement
        fields = ["id", "notice", "contact", "acknowledged_at"]


MAX_ROWS = 200_000


def rows_field():
    row = serializers.DictField(child=serializers.JSONField(), help_text=_("one row: the import file's columns"))
    return serializers.ListField(child=row, required=False, max_length=MAX_ROWS)


class InventoryUpsertSerializer(serializers.Serializer):
    """Rows per kind, with the columns of the import files (e.g. a system: code, name, agency, environment, …)."""

    agencies = rows_field()
    waves = rows_field()
    systems = rows_field()
    vms = rows_field()
    contacts = rows_field()
    dry_run = serializers.BooleanField(default=False, help_text=_("check only, write nothing"))


class KindCountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class InventoryUpsertResultSerializer(serializers.Serializer):
    counts = serializers.DictField(child=KindCountsSerializer())
    dry_run = serializers.BooleanField()
    seconds = serializers.FloatField()
