"""The downtime notices listen to the inventory and the waves (connected in NotificationsConfig.ready).

Each event arrives inside the transaction that made the change, with the waves concerned already locked by the
sender; the wave's notices are brought in line with it there, so a rollback leaves no notice and sends nothing.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from systems.events import WaveMove, wave_ids_of
from waves.models import Wave

from .services import notices_sync_wave


def _sync(wave_ids: list[int], by: AbstractBaseUser | None) -> None:
    for wave_id in sorted(set(wave_ids)):
        with transaction.atomic():
            wave = Wave.objects.select_for_update().filter(pk=wave_id).first()
            if wave is not None:
                notices_sync_wave(wave=wave, by=by)


def on_systems_moved(sender, *, moves: list[WaveMove], by: AbstractBaseUser | None = None, **kwargs) -> None:
    _sync(wave_ids_of(moves), by)


def on_wave_event(sender, *, wave_id: int, by: AbstractBaseUser | None = None, **kwargs) -> None:
    """A wave's window moved, its state changed, or one of its systems' own slot moved."""
    _sync([wave_id], by)


def on_wave_systems_changed(sender, *, wave_ids: list[int], by: AbstractBaseUser | None = None, **kwargs) -> None:
    _sync(wave_ids, by)
