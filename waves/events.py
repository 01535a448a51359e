"""Domain events of the waves: a wave's window moved, its state changed, or its systems changed in bulk.

`waves.services` sends them inside the transaction that made the change, with the wave rows locked (the lock
order is in `systems.events`). They carry ids and what changed; receivers connect in their own app's
`AppConfig.ready` (the downtime notices listen). Nothing in `waves/` knows who listens.
"""

from django.dispatch import Signal

# The agreed window moved. Arguments: wave_id, previous (start, end), current (start, end), by.
wave_window_moved = Signal()

# The wave's state changed (confirmed, started, completed, cancelled, back to draft).
# Arguments: wave_id, previous (state), current (state), by.
wave_state_changed = Signal()

# Systems joined or left these waves by a route that writes many rows at once (the inventory import) and
# does not say which. Arguments: wave_ids (ascending), by.
wave_systems_changed = Signal()
