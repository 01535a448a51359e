"""Domain events of the inventory: what changed about systems that others (the downtime notices) care about.

`systems.services` sends them inside the transaction that made the change, after the rows are saved, so a
receiver sees the new state and anything it writes commits or rolls back with the change. They carry ids,
never model instances, and say what changed; receivers connect in their own app's `AppConfig.ready`.
Nothing in `systems/` knows who listens.

Lock order, the same on every path: **waves (ascending id) → systems → notices**. A service that changes which
wave a system is in, or a system's own downtime slot, locks the waves concerned before the system rows, so the
receivers (which lock the wave again, a no-op, and then its notices) never wait for a lock held by a path that
waits for them. Publishing a notice also takes its wave first.
"""

from dataclasses import dataclass

from django.dispatch import Signal


@dataclass(frozen=True)
class WaveMove:
    """A system that joined, left, or changed wave (None: no wave)."""

    system_id: int
    from_wave_id: int | None
    to_wave_id: int | None


# Systems joined or left waves. Arguments: moves (list[WaveMove]), by (the user or None).
systems_moved = Signal()

# A system's own downtime slot inside its wave's window moved (set, changed or cleared).
# Arguments: system_id, wave_id, previous (start, end), current (start, end), by.
system_slot_moved = Signal()


def wave_ids_of(moves: list[WaveMove]) -> list[int]:
    """Every wave a set of moves touches, in lock order (ascending id)."""
    return sorted({wave_id for move in moves for wave_id in (move.from_wave_id, move.to_wave_id) if wave_id})
