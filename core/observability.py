"""Request ids and structured logs: one JSON line per request, and every log line written
while serving it, or while a Celery task it queued runs on a worker, carries its request id.

The id comes from an incoming `X-Request-ID` when it is well formed (1-64 of letters, digits,
`.`, `_`, `-`: what load balancers and nginx's `$request_id` send), so a line in nginx's log and
ours can be joined; anything else is replaced by a fresh one, since a client must not be able to
put newlines or megabytes into our logs. The response carries it back in `X-Request-ID`.

It travels into tasks as a message header, set when the task is sent (`before_task_publish`),
and is put back in place on the worker around the task (`task_prerun`/`task_postrun`); an eager
task (no broker configured) runs inside the request and simply keeps it. The value lives in a
context variable, so threads and the worker's pool each see their own.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase

from .network import client_address

REQUEST_ID_HEADER = "X-Request-ID"
_WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{1,64}")

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_task: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar("task", default=None)

request_log = logging.getLogger("policy_transfer.request")


def request_id_get() -> str | None:
    return _request_id.get()


def request_id_from(value: str | None) -> str:
    """The incoming id if it is well formed, else a new one."""
    if value and _WELL_FORMED.fullmatch(value):
        return value
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """First in the chain (after django-prometheus's), so the id is set for everything below
    and the duration covers every other middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            request_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "client": client_address(request),
                },
            )
            return response
        finally:
            _request_id.reset(token)


class ContextFilter(logging.Filter):
    """Puts the request id (and the task, on a worker) on every record, for both formats."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get() or "-"
        task = _task.get()
        if task is not None and not hasattr(record, "task_id"):
            record.task_id, record.task_name = task
        return True


# Attributes every LogRecord has; anything else on a record was passed in `extra`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, and whatever the
    caller passed in `extra` (the request line's method, path, status, duration_ms, client)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or "-",
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


# UTC timestamps in both formats, whatever the server's time zone.
JsonFormatter.converter = time.gmtime


def _task_publish(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = _request_id.get()
    if headers is not None and request_id:
        headers["request_id"] = request_id


_tokens: dict[str, tuple[contextvars.Token, contextvars.Token]] = {}


def _task_started(task_id: str = "", task: Any = None, **_: Any) -> None:
    # A header from the request that queued it; an eager task keeps the request's own id.
    incoming = getattr(getattr(task, "request", None), "request_id", None)
    request_id = incoming if isinstance(incoming, str) else _request_id.get()
    _tokens[task_id] = (
        _request_id.set(request_id),
        _task.set((task_id, getattr(task, "name", ""))),
    )


def _task_finished(task_id: str = "", **_: Any) -> None:
    tokens = _tokens.pop(task_id, None)
    if tokens is not None:
        _request_id.reset(tokens[0])
        _task.reset(tokens[1])


def connect_task_signals() -> None:
    from celery.signals import before_task_publish, task_postrun, task_prerun

    before_task_publish.connect(_task_publish, weak=False, dispatch_uid="request_id_publish")
    task_prerun.connect(_task_started, weak=False, dispatch_uid="request_id_started")
    task_postrun.connect(_task_finished, weak=False, dispatch_uid="request_id_finished")
