"""The back office's behaviour: take a task once per key, then acknowledge and finish it later
through the gateway's agency callback API, as the department's behaviour says."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from opentelemetry.trace import SpanKind

from onewindow_platform.backoff import backoff_delay
from onewindow_platform.tracing import (
    APPLICATION_ID_ATTRIBUTE,
    context_from_traceparent,
    current_traceparent,
    tracer,
)

from .behaviour import Behaviours
from .store import TaskStore

log = logging.getLogger("agency-simulator")
_tracer = tracer("onewindow.agency-simulator")


class AgencyDown(Exception):
    pass


class AnswerGarbage(Exception):
    pass


class Agency:
    def __init__(self, store: TaskStore, behaviours: Behaviours, gateway_url: str, tokens_file: Path,
                 default_delay_s: float) -> None:
        self.store = store
        self.behaviours = behaviours
        self.gateway_url = gateway_url.rstrip("/")
        self.tokens_file = tokens_file
        self.default_delay_s = default_delay_s
        self.http = httpx.Client(timeout=10)
        self._busy = 0  # back-office jobs under way (working on a task, a callback being retried)
        self._busy_lock = threading.Lock()
        self._tokens: tuple[int, dict[str, Any]] | None = None  # (the file's mtime, its content)

    @property
    def busy(self) -> int:
        """How many tasks the back office is still working on; 0 means it will call back no more."""
        with self._busy_lock:
            return self._busy

    def _start_job(self, target: Callable[..., None], *args: str) -> None:
        with self._busy_lock:
            self._busy += 1

        def run() -> None:
            try:
                target(*args)
            finally:
                with self._busy_lock:
                    self._busy -= 1

        threading.Thread(target=run, daemon=True).start()

    def receive(self, key: str, task_id: str, application_id: str, department_code: str, protocol: str,
                traceparent: str = "") -> str:
        # The agency continues the case's trace: its span is a child of the adapter's call, and
        # its callbacks later carry this span's context back to the gateway.
        with _tracer.start_as_current_span(
                "agency receive task", context=context_from_traceparent(traceparent), kind=SpanKind.SERVER,
                attributes={APPLICATION_ID_ATTRIBUTE: application_id, "onewindow.department.code": department_code,
                            "onewindow.agency.protocol": protocol}):
            return self._receive(key, task_id, application_id, department_code, protocol, current_traceparent())

    def _receive(self, key: str, task_id: str, application_id: str, department_code: str, protocol: str,
                 traceparent: str) -> str:
        behaviour = self.behaviours.of(department_code)
        if behaviour.mode == "down":
            raise AgencyDown(department_code)
        if behaviour.mode == "slow":
            time.sleep(behaviour.slow_s)
        if behaviour.mode == "garbage":
            raise AnswerGarbage(department_code)
        reference, new = self.store.receive(key, task_id, application_id, department_code, protocol)
        if new and behaviour.then != "hold":
            self._start_job(self._work, task_id, department_code, traceparent)
        return reference

    def receive_supplement(self, task_id: str, department_code: str, fields: dict[str, object],
                           traceparent: str = "") -> str:
        with _tracer.start_as_current_span(
                "agency receive supplement", context=context_from_traceparent(traceparent), kind=SpanKind.SERVER,
                attributes={"onewindow.department.code": department_code, "onewindow.task.id": task_id}):
            self.store.add_supplement(task_id, json.dumps(fields, ensure_ascii=False))
            # With the missing material in hand, the department finishes the task.
            self.behaviours.set(department_code, then="complete")
            self._start_job(self._finish, task_id, department_code, current_traceparent())
            return f"SUP-{uuid.uuid4().hex[:8]}"

    def receive_notice(self, key: str, task_id: str, department_code: str, step: str, reason: str,
                       respond_by: str, protocol: str) -> str:
        """A supervision notice about one of its tasks: put in the department's in-tray (down is down)."""
        if self.behaviours.of(department_code).mode == "down":
            raise AgencyDown(department_code)
        return self.store.receive_notice(key, task_id, department_code, step, reason, respond_by, protocol)

    # -- the back office at work ----------------------------------------------------------------

    def _work(self, task_id: str, department_code: str, traceparent: str) -> None:
        delay = self._delay(department_code)
        time.sleep(delay)
        self.callback(task_id, department_code, {"event": "acknowledged"}, traceparent)
        self._finish(task_id, department_code, traceparent)

    def _finish(self, task_id: str, department_code: str, traceparent: str) -> None:
        behaviour = self.behaviours.of(department_code)
        time.sleep(self._delay(department_code))
        body: dict[str, object]
        if behaviour.then == "complete":
            body = {"event": "completed", "outcome": behaviour.outcome,
                    "result_text": f"{department_code} 已办结", "document_ref": f"DOC-{uuid.uuid4().hex[:8]}"}
        elif behaviour.then == "return":
            body = {"event": "returned", "reason": behaviour.reason, "note": "请改派有权处理的单位"}
        elif behaviour.then == "supplement":
            body = {"event": "supplement_requested", "missing_fields": list(behaviour.missing_fields),
                    "note": "请补正材料"}
        else:
            return
        self.callback(task_id, department_code, body, traceparent)

    def _delay(self, department_code: str) -> float:
        configured = self.behaviours.of(department_code).delay_s
        return self.default_delay_s if configured is None else configured

    def callback(self, task_id: str, department_code: str, body: dict[str, object], traceparent: str = "",
                 attempts: int = 60) -> int:
        """POST the agency's event to the gateway with the department's token; retried (about five
        minutes, as a back office's outgoing queue would) while the gateway is unreachable or
        answers 5xx. Returns the final HTTP status."""
        with _tracer.start_as_current_span(
                f"agency callback {body.get('event', '')}", context=context_from_traceparent(traceparent),
                kind=SpanKind.CLIENT, attributes={"onewindow.department.code": department_code,
                                                  "onewindow.task.id": task_id}):
            return self._post_callback(task_id, department_code, body, current_traceparent(), attempts)

    def _post_callback(self, task_id: str, department_code: str, body: dict[str, object], traceparent: str,
                       attempts: int) -> int:
        token = self._token(department_code)
        body = {"callback_id": uuid.uuid4().hex, **body}
        headers = {"Authorization": f"Bearer {token}"}
        if traceparent:
            headers["traceparent"] = traceparent
        url = f"{self.gateway_url}/api/v1/agency/tasks/{task_id}/events"
        status = 0
        for attempt in range(attempts):
            try:
                response = self.http.post(url, json=body, headers=headers)
                status = response.status_code
                if status < 500:
                    if status >= 400:
                        log.warning("callback refused: %s %s", status, response.text[:200])
                    return status
            except httpx.HTTPError as exc:
                log.warning("callback failed (%s), retrying", exc)
            time.sleep(backoff_delay(attempt + 1, 0.2, 5.0, jitter=False))
        return status

    def _token(self, department_code: str) -> str:
        """The department's token, from the tokens file as it is now: read again only when the
        file changed (a test or an operator rotates tokens while the simulator runs)."""
        try:
            changed = self.tokens_file.stat().st_mtime_ns
            if self._tokens is None or self._tokens[0] != changed:
                self._tokens = (changed, json.loads(self.tokens_file.read_text()))
        except (OSError, ValueError):
            return ""
        return str(self._tokens[1].get("agencies", {}).get(department_code, ""))
