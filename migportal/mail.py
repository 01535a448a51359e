"""The development e-mail backend: one log line per message instead of the whole MIME text.

The default when `EMAIL_URL` is not set, so `make run` keeps its console readable (a published notice mails
every contact person of a wave). `EMAIL_URL=consolemail://` prints full messages, `smtp://…` sends them.
"""

import logging

from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger("migportal.mail")


class OneLineEmailBackend(BaseEmailBackend):
    """Logs "E-mail to …: subject" at INFO (a Celery worker would turn printed output into warnings)."""

    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            logger.info("E-mail (not sent: no EMAIL_URL) to %s: %s", ", ".join(message.recipients()), message.subject)
        return len(email_messages)
