from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Downtime notices")

    def ready(self) -> None:
        """Listen to what the inventory and the waves announce (they do not import this app)."""
        from systems import events as system_events
        from waves import events as wave_events

        from . import receivers

        system_events.systems_moved.connect(receivers.on_systems_moved, dispatch_uid="notices-systems-moved")
        system_events.system_slot_moved.connect(receivers.on_wave_event, dispatch_uid="notices-slot-moved")
        wave_events.wave_window_moved.connect(receivers.on_wave_event, dispatch_uid="notices-window-moved")
        wave_events.wave_state_changed.connect(receivers.on_wave_event, dispatch_uid="notices-state-changed")
        wave_events.wave_systems_changed.connect(
            receivers.on_wave_systems_changed, dispatch_uid="notices-wave-systems-changed"
        )
