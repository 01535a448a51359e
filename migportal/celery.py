"""The one Celery app of migportal; settings come from Django's under the CELERY_ namespace."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migportal.settings")

app = Celery("migportal", include=["migportal.tasks"])
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
