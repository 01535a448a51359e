"""REST API v1. Each viewset declares its rows, FilterSet and service functions; `InventoryViewSet` does the rest
once: natural-key lookups, ETag/If-Match, PUT as upsert, and writes through the services with the token in history.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import filters, mixins, status, viewsets
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from dashboard.selectors import dashboard_report
from notifications import selectors as notice_selectors
from notifications import services as notice_services
from notifications.filters import DeliveryFilterSet, NoticeFilterSet
from notifications.models import Acknowledgement
from portal import selectors as portal_selectors
from systems import services as inventory
from systems.filters import (
    AgencyFilterSet,
    ContactPersonFilterSet,
    SystemContactFilterSet,
    SystemFilterSet,
    VMFilterSet,
)
from systems.models import VM, Agency, ContactPerson, System, SystemContact
from waves import services as wave_services
from waves.filters import WaveFilterSet
from waves.models import Wave

from . import serializers
from .conditional import ConditionalGetMixin, check_if_match, representation_etag
from .history import history_reason, recorded_as
from .inventory import inventory_upsert, problem_rows
from .permissions import ContactPermission, DeliveryRetryPermission, ImportPermission
from .problems import Conflict


class ReadViewSet(ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
    """Lists filtered by the staff list's FilterSet, ordered, in cursor pages, with ETags."""

    filter_backends = [DjangoFilterBackend, filters.OrderingFilter]


class InventoryViewSet(ReadViewSet, viewsets.ModelViewSet):
    """List, read, create, update (PUT creates a missing row: an upsert by natural key) and delete one model."""

    natural_key: str = ""  # a lookup such as "code" or "hostname__iexact"
    service_object: str = ""  # the keyword the update/delete services take the row by
    create_service = update_service = delete_service = None
    lookup_field = "key"
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_object(self):
        key = self.kwargs[self.lookup_field]
        condition = Q(**{self.natural_key: key})
        if key.isascii() and key.isdigit():  # "²" is a digit to str.isdigit, not to int()
            condition |= Q(pk=int(key))
        queryset = self.filter_queryset(self.get_queryset()) if self.action == "retrieve" else self.get_queryset()
        obj = get_object_or_404(queryset.filter(condition)[:1])
        self.check_object_permissions(self.request, obj)
        return obj

    def etag(self, obj) -> str:
        return representation_etag(self.get_serializer(obj).data)

    def lock_row(self, obj: models.Model, changes: dict) -> None:
        """Lock the row until the write's transaction ends (`changes`: the validated fields to be written)."""
        list(type(obj).objects.select_for_update().filter(pk=obj.pk).values_list("pk"))

    def locked(self, obj: models.Model, changes: dict | None = None) -> models.Model:
        """The row again, locked, once If-Match names its current version (412 otherwise). Of two writes that read
        the same version, the second waits for the first's lock and then sees the first's change."""
        self.lock_row(obj, changes or {})
        current = self.get_queryset().get(pk=obj.pk)
        check_if_match(self.request, self.etag(current))
        return current

    def change(self, request, key: str, form: type[drf_serializers.Serializer], service) -> Response:
        """A state change of one row (status transition, wave state) through `service`, which takes the row as
        `service_object` like the update and delete services."""
        obj = self.get_object()
        serializer = form(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = serializer.validated_data
        with recorded_as(request):
            obj = self.locked(obj)
            service(**{self.service_object: obj}, by=request.user, reason=history_reason(request), **fields)
        return self.retrieve(request, key=key)

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        data = self.get_serializer(obj).data
        return Response(data, headers={"ETag": representation_etag(data)})

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        try:
            obj = self.get_object()
        except Http404:
            if partial:
                raise
            return self.upsert_create(request)
        data = request.data if partial else self.keyed(request.data)
        serializer = self.get_serializer(obj, data=data, partial=partial)
        serializer.is_valid(raise_exception=True)
        with recorded_as(request):
            serializer.instance = self.locked(obj, serializer.validated_data)
            self.perform_update(serializer)
        saved = self.get_serializer(self.get_queryset().get(pk=serializer.instance.pk)).data
        return Response(saved, headers={"ETag": representation_etag(saved)})

    def keyed(self, data) -> dict:
        """A PUT's row with the natural key of the URL (a row addressed by its id carries its key in the body)."""
        key = self.kwargs[self.lookup_field]
        return data if key.isdigit() else {**data, self.natural_key.split("__")[0]: key}

    def upsert_create(self, request):
        """PUT to a natural key that names no row creates it (the key taken from the URL)."""
        serializer = self.get_serializer(data=self.keyed(request.data))
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return Response(serializer.data, status=status.HTTP_201_CREATED)

    def perform_create(self, serializer):
        with recorded_as(self.request):
            serializer.instance = type(self).create_service(by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = type(self).update_service(
            **{self.service_object: serializer.instance},
            by=self.request.user,
            reason=history_reason(self.request),
            **serializer.validated_data,
        )

    def perform_destroy(self, instance):
        with recorded_as(self.request):
            instance = self.locked(instance)
            type(self).delete_service(**{self.service_object: instance}, by=self.request.user)


class AgencyViewSet(InventoryViewSet):
    queryset = Agency.objects.order_by("code")
    serializer_class = serializers.AgencySerializer
    filterset_class = AgencyFilterSet
    ordering_fields = ["code", "name", "kind"]
    natural_key = "code"
    service_object = "agency"
    create_service = inventory.agency_create
    update_service = inventory.agency_update
    delete_service = inventory.agency_delete


class SystemViewSet(InventoryViewSet):
    queryset = System.objects.select_related("agency", "wave").prefetch_related("depends_on").order_by("code")
    serializer_class = serializers.SystemSerializer
    filterset_class = SystemFilterSet
    ordering_fields = ["code", "name", "status", "environment", "criticality", "updated_at"]
    natural_key = "code"
    service_object = "system"
    create_service = inventory.system_create
    update_service = inventory.system_update
    delete_service = inventory.system_delete

    def lock_row(self, obj, changes):
        inventory.system_lock(system=obj, wave=changes.get("wave"))

    def perform_update(self, serializer):
        try:
            super().perform_update(serializer)
        except ValidationError as error:
            # A move the wave rules refuse comes back as the wave field's error: a conflict, as on the staff page.
            if hasattr(error, "error_dict") and set(error.error_dict) == {"wave"}:
                raise Conflict(" ".join(error.messages), errors=error.message_dict) from error
            raise

    @extend_schema(request=serializers.TransitionSerializer, responses=serializers.SystemSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, key=None):
        """Move the system to another status; its VMs follow as on the staff pages. 409 when not allowed."""
        return self.change(
            request,
            key,
            serializers.TransitionSerializer,
            inventory.system_transition,
        )

    @extend_schema(
        request=serializers.BulkTransitionSerializer,
        responses=serializers.SystemSerializer(many=True),
        operation_id="v1_systems_bulk_transition",
    )
    @action(detail=False, methods=["post"], url_path="transition")
    def bulk_transition(self, request):
        """Move several systems to one status: all change, or none does (409 with each refused system)."""
        serializer = serializers.BulkTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        codes = serializer.validated_data["codes"]
        systems = list(System.objects.filter(code__in=codes))
        unknown = sorted(set(codes) - {system.code for system in systems})
        if unknown:
            raise Http404
        try:
            with recorded_as(request):
                inventory.systems_bulk_transition(systems=systems, to=serializer.validated_data["to"], by=request.user)
        except inventory.BulkActionRefused as refused:
            raise Conflict(str(refused), errors={row.label: [row.reason] for row in refused.refused}) from refused
        data = self.get_serializer(self.get_queryset().filter(code__in=codes), many=True).data
        return Response(data)


class VMViewSet(InventoryViewSet):
    queryset = VM.objects.select_related("system").order_by("hostname")
    serializer_class = serializers.VMSerializer
    filterset_class = VMFilterSet
    ordering_fields = ["hostname", "status", "os"]
    natural_key = "hostname__iexact"
    service_object = "vm"
    create_service = inventory.vm_create
    update_service = inventory.vm_update
    delete_service = inventory.vm_delete

    @extend_schema(request=serializers.TransitionSerializer, responses=serializers.VMSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, key=None):
        """Move one VM to another status (refused, 409, when the lifecycle or its system does not allow it)."""
        return self.change(request, key, serializers.TransitionSerializer, inventory.vm_transition)


class ContactPersonViewSet(InventoryViewSet):
    queryset = ContactPerson.objects.select_related("agency").order_by("name", "pk")
    serializer_class = serializers.ContactPersonSerializer
    filterset_class = ContactPersonFilterSet
    ordering_fields = ["name", "email"]
    natural_key = "email__iexact"
    service_object = "contact"
    create_service = inventory.contactperson_create
    update_service = inventory.contactperson_update
    delete_service = inventory.contactperson_delete


class SystemContactViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, ReadViewSet):
    """A contact person's role for a system: created and deleted, never changed (delete and create instead)."""

    queryset = SystemContact.objects.select_related("system", "contact").order_by("pk")
    serializer_class = serializers.SystemContactSerializer
    filterset_class = SystemContactFilterSet
    ordering_fields = ["role"]

    def perform_create(self, serializer):
        with recorded_as(self.request):
            serializer.instance = inventory.systemcontact_create(by=self.request.user, **serializer.validated_data)

    def perform_destroy(self, instance):
        with recorded_as(self.request):
            inventory.systemcontact_delete(system_contact=instance, by=self.request.user)


class WaveViewSet(InventoryViewSet):
    queryset = Wave.objects.order_by("window_start", "pk")
    serializer_class = serializers.WaveSerializer
    filterset_class = WaveFilterSet
    ordering_fields = ["name", "window_start", "state"]
    natural_key = "name"
    service_object = "wave"
    create_service = wave_services.wave_create
    update_service = wave_services.wave_update
    delete_service = wave_services.wave_delete

    @extend_schema(request=serializers.WaveStateSerializer, responses=serializers.WaveSerializer)
    @action(detail=True, methods=["post"])
    def state(self, request, key=None):
        """Confirm, start, complete, cancel or reopen the wave; notices follow as on the staff pages."""
        return self.change(
            request,
            key,
            serializers.WaveStateSerializer,
            wave_services.wave_set_state,
        )


class NoticeViewSet(ReadViewSet):
    """Downtime notices with their delivery counts by state, as on /notices/."""

    queryset = notice_selectors.notice_list()
    serializer_class = serializers.NoticeSerializer
    filterset_class = NoticeFilterSet
    ordering_fields = ["publish_at", "window_start"]

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return None if page is None else notice_selectors.with_delivery_counts(page)

    def get_object(self):
        return notice_selectors.with_delivery_counts([super().get_object()])[0]


class DeliveryViewSet(ReadViewSet):
    """Every message sent or to be sent (e-mail and webhook), as on /notices/deliveries/."""

    queryset = notice_selectors.delivery_list()
    serializer_class = serializers.DeliverySerializer
    filterset_class = DeliveryFilterSet
    ordering_fields = ["created_at", "state"]

    @extend_schema(request=None, responses=serializers.DeliverySerializer)
    @action(detail=True, methods=["post"], permission_classes=[DeliveryRetryPermission])
    def retry(self, request, pk=None):
        """Send a failed or dead delivery again (409 for any other state)."""
        delivery = self.get_object()
        if not notice_services.delivery_retry(delivery=delivery, by=request.user):
            raise Conflict(_("Only failed or dead deliveries can be retried."))
        return Response(self.get_serializer(self.get_queryset().get(pk=delivery.pk)).data)


class AcknowledgementViewSet(ReadViewSet):
    """Contact persons' confirmations that their agency is informed of a notice."""

    queryset = Acknowledgement.objects.select_related("contact").order_by("pk")
    serializer_class = serializers.AcknowledgementSerializer
    filterset_fields = ["notice", "contact"]
    ordering_fields = ["acknowledged_at"]


class InventoryUpsertView(APIView):
    """Bulk upsert from the CMDB: the import's rows as JSON, all or nothing; 409 with every refused row."""

    permission_classes = [ImportPermission]

    @extend_schema(request=serializers.InventoryUpsertSerializer, responses=serializers.InventoryUpsertResultSerializer)
    def post(self, request):
        serializer = serializers.InventoryUpsertSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with recorded_as(request):
            result = inventory_upsert(rows=data, by=request.user, dry_run=data["dry_run"])
        if not result.ok:
            raise Conflict(
                ngettext("%(count)d row was refused.", "%(count)d rows were refused.", result.error_count)
                % {"count": result.error_count},
                errors=problem_rows(result),
            )
        return Response(serializers.InventoryUpsertResultSerializer(result.as_dict()).data)


class ContactNoticeViewSet(ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
    """A contact person's own notices (their systems and agency), as "My notices" in the portal shows them."""

    serializer_class = serializers.ContactNoticeSerializer
    permission_classes = [ContactPermission]

    def get_queryset(self):
        return portal_selectors.notice_list(self.request.user)


class ContactAcknowledgementViewSet(ConditionalGetMixin, viewsets.ReadOnlyModelViewSet):
    """A contact person's own confirmations."""

    serializer_class = serializers.AcknowledgementSerializer
    permission_classes = [ContactPermission]

    def get_queryset(self):
        contact = portal_selectors.contact_for(self.request.user)
        return Acknowledgement.objects.filter(contact=contact).select_related("contact")


class DashboardView(APIView):
    """The public dashboard's figures for the current week: the same report as /dashboard.json."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(dashboard_report())
