"""A request id that follows one piece of work from the web request into the Celery tasks it enqueues.

The id lives in a context variable. `RequestIdMiddleware` sets it for each request (taking a well-formed
`X-Request-ID` from the proxy in front, or making one); `before_task_publish` copies it into the task
message's headers; `task_prerun` sets it again in the worker, so every log line on either side carries it.
"""

import contextvars
import logging
import re
import uuid

from celery import signals

REQUEST_ID_HEADER = "X-Request-ID"
# What we accept from a proxy: short, and nothing that could break a log line or a header.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_task: contextvars.ContextVar[str] = contextvars.ContextVar("task", default="")


def get_request_id() -> str:
    return _request_id.get()


def new_request_id(proposed: str | None = None) -> str:
    """The proxy's id if it is well formed, else a fresh one."""
    if proposed and _VALID_REQUEST_ID.match(proposed):
        return proposed
    return uuid.uuid4().hex


def bind(request_id: str, task: str = "") -> tuple[contextvars.Token, contextvars.Token]:
    return _request_id.set(request_id), _task.set(task)


def unbind(tokens: tuple[contextvars.Token, contextvars.Token]) -> None:
    _request_id.reset(tokens[0])
    _task.reset(tokens[1])


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (and `task` inside a Celery task) to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = getattr(record, "request_id", None) or _request_id.get()
        record.task = getattr(record, "task", None) or _task.get()
        return True


# --- Celery: carry the id in the message headers ------------------------------------------------
_worker_tokens: dict[str, tuple[contextvars.Token, contextvars.Token]] = {}


def _before_task_publish(headers: dict | None = None, **_kwargs) -> None:
    if headers is not None and not headers.get("request_id"):
        headers["request_id"] = _request_id.get() or new_request_id()


def _task_prerun(task_id: str | None = None, task=None, **_kwargs) -> None:
    request_id = getattr(task.request, "request_id", None) if task is not None else None
    _worker_tokens[task_id or ""] = bind(new_request_id(request_id), getattr(task, "name", "") or "")


def _task_postrun(task_id: str | None = None, **_kwargs) -> None:
    tokens = _worker_tokens.pop(task_id or "", None)
    if tokens is not None:
        try:
            unbind(tokens)
        except ValueError:  # reset from another context (eventlet/gevent pools): clear instead
            bind("", "")


def connect_celery_signals() -> None:
    signals.before_task_publish.connect(_before_task_publish, weak=False, dispatch_uid="ops.request_id.publish")
    signals.task_prerun.connect(_task_prerun, weak=False, dispatch_uid="ops.request_id.prerun")
    signals.task_postrun.connect(_task_postrun, weak=False, dispatch_uid="ops.request_id.postrun")
