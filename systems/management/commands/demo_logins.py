"""Print the demo logins; `make run` pipes its processes' output through this to show them after the start-up.

    honcho start 2>&1 | python manage.py demo_logins --after " ready."

copies its input to its output and prints the logins once a line containing the marker (the Celery worker's
"celery@host ready.") has been followed by a quiet moment, so they are not scrolled away by the start-up lines.
"""

import os
import select
import signal
import sys
import time

from django.core.management.base import BaseCommand

from .seed_demo import demo_logins_text, demo_passwords


class Command(BaseCommand):
    help = "Print the demo logins (user name, password, e-mail, start page); with --after, pass input through first."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2021, help="The seed seed_demo was run with.")
        parser.add_argument("--after", default="", help="Copy standard input; print the logins after this text.")
        parser.add_argument("--quiet-seconds", type=float, default=2.0, help="Wait for this long a pause first.")
        parser.add_argument("--at-most", type=float, default=60.0, help="Print by then even without the text.")

    def handle(self, *args, seed: int, after: str, quiet_seconds: float, at_most: float, **options):
        logins = demo_logins_text(demo_passwords(seed))
        if not after:
            self.stdout.write(logins)
            return
        # Ctrl-C reaches every process of the pipe: the processes' own shutdown lines still come through here.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        pass_through(
            sys.stdin.fileno(),
            sys.stdout.buffer,
            marker=after.encode(),
            show=lambda: self.stdout.write(logins),
            quiet_seconds=quiet_seconds,
            deadline=time.monotonic() + at_most,
        )


def pass_through(source: int, sink, *, marker: bytes, show, quiet_seconds: float, deadline: float) -> None:
    """Copy the file descriptor `source` to `sink` until it ends; call `show` once: after a chunk with `marker`
    and a pause of `quiet_seconds`, at `deadline`, or at the end."""
    tail, seen, shown = b"", False, False
    while True:
        timeout = None if shown else (quiet_seconds if seen else max(0.0, deadline - time.monotonic()))
        readable, _, _ = select.select([source], [], [], timeout)
        if not readable:
            show()
            shown = True
            continue
        chunk = os.read(source, 65536)
        if not chunk:
            if not shown:  # the processes ended first (a port in use, say): the logins still help
                show()
            return
        sink.write(chunk)
        sink.flush()
        seen = seen or marker in tail + chunk
        tail = chunk[-len(marker) :]
