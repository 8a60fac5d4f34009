"""The department-adapter's rules: retry schedule, circuit breaker, signatures, untrusted answers,
and the connector configuration with its host allow-list."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from onewindow_department_adapter.connectors import DeliveryError, DeliveryRequest, load_connector_config
from onewindow_department_adapter.connectors.config import SHIPPED
from onewindow_department_adapter.connectors.webhook import parse_agency_reference
from onewindow_department_adapter.domain.retry import CircuitBreaker
from onewindow_department_adapter.domain.task_states import (
    DELIVERY_MOVES,
    AgencyStep,
    OutOfOrder,
    TaskState,
    after_step,
)
from onewindow_platform.backoff import Backoff, backoff_delay
from onewindow_platform.config import ConfigurationError
from onewindow_platform.signing import sign, verify


def test_backoff_grows_exponentially_with_jitter_and_a_ceiling() -> None:
    rng = random.Random(7)
    delays = [backoff_delay(attempt, 0.5, 8.0, rng=rng) for attempt in range(1, 8)]
    for attempt, delay in enumerate(delays, start=1):
        ceiling = min(8.0, 0.5 * 2 ** (attempt - 1))
        assert ceiling * 0.5 <= delay <= ceiling


def test_a_running_backoff_doubles_to_its_ceiling_and_starts_over_after_a_success() -> None:
    backoff = Backoff(0.1, 0.5)
    assert [backoff.next() for _ in range(5)] == [0.1, 0.2, 0.4, 0.5, 0.5]
    backoff.reset()
    assert backoff.next() == 0.1
    assert backoff_delay(3, 1.0, 600.0, jitter=False) == 4.0


def test_breaker_opens_after_consecutive_failures_then_lets_one_trial_through() -> None:
    now = [0.0]
    breaker = CircuitBreaker(failures=3, open_s=10, clock=lambda: now[0])
    for _ in range(3):
        assert breaker.allow("110101.tax")
        breaker.record_failure("110101.tax")
    assert not breaker.allow("110101.tax")
    assert breaker.allow("110101.hrss")  # per department
    now[0] = 11
    assert breaker.allow("110101.tax")       # half-open: one trial
    assert not breaker.allow("110101.tax")   # and only one
    breaker.record_success("110101.tax")
    assert breaker.allow("110101.tax") and not breaker.is_open("110101.tax")


def test_signatures_verify_and_refuse_tampering_and_staleness() -> None:
    timestamp, signature = sign(b"s" * 32, b'{"a":1}', timestamp=1_000_000)
    assert verify(b"s" * 32, b'{"a":1}', timestamp, signature, now=1_000_010) is None
    assert verify(b"s" * 32, b'{"a":2}', timestamp, signature, now=1_000_010) == "signature does not match"
    assert verify(b"t" * 32, b'{"a":1}', timestamp, signature, now=1_000_010) == "signature does not match"
    assert verify(b"s" * 32, b'{"a":1}', timestamp, signature, now=1_000_400) == "stale timestamp"
    assert verify(b"s" * 32, b'{"a":1}', "yesterday", signature) == "missing or malformed timestamp"


@pytest.mark.parametrize("raw", [b"<html>", b"[]", b'{"agency_reference": ""}', b'{"agency_reference": 7}',
                                 b'{"agency_reference": "' + b"x" * 200 + b'"}', b'{"agency_reference": "a\\u0000b"}'])
def test_malformed_agency_answers_are_delivery_failures(raw: bytes) -> None:
    with pytest.raises(DeliveryError):
        parse_agency_reference(raw)


def test_a_good_answer_gives_the_agency_reference() -> None:
    assert parse_agency_reference(b'{"agency_reference": "TAX-123"}') == "TAX-123"


def test_shipped_connectors_route_public_security_over_grpc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OW_AGENCY_WEBHOOK_SECRET", "a-long-enough-secret")
    config = load_connector_config()
    assert config.rule_for("110100.traffic-police").kind == "grpc"
    assert config.rule_for("110101.public-security").kind == "grpc"
    webhook = config.rule_for("110101.tax")
    assert webhook.kind == "webhook" and webhook.secret == b"a-long-enough-secret"


def test_agency_urls_must_be_on_allowed_hosts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OW_AGENCY_WEBHOOK_SECRET", "a-long-enough-secret")
    monkeypatch.setenv("OW_SIMULATOR_URL", "http://169.254.169.254")
    with pytest.raises(ConfigurationError, match="not in allowed_hosts"):
        load_connector_config(SHIPPED)


def test_a_notice_url_off_the_allowed_hosts_is_refused_and_each_kind_has_its_own_key(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OW_AGENCY_WEBHOOK_SECRET", "a-long-enough-secret")
    assert load_connector_config().rule_for("110101.tax").notice_url.endswith("/agency/{department_code}/notices")
    moved = tmp_path / "connectors.yaml"
    moved.write_text(SHIPPED.read_text(encoding="utf-8").replace(
        '"${OW_SIMULATOR_URL:-http://127.0.0.1:8090}/agency/{department_code}/notices"',
        '"http://169.254.169.254/notices"'), encoding="utf-8")
    with pytest.raises(ConfigurationError, match="notice_url must be on an allowed host"):
        load_connector_config(moved)
    task = DeliveryRequest(task_id="T1", application_id="A", department_code="d", item_code="i", dispatch_number=2,
                           deadline_iso="", applicant_name_masked="", applicant_id_number_masked="")
    notice = DeliveryRequest(**{**task.__dict__, "kind": "notice", "supplement_id": "ev-9"})
    supplement = DeliveryRequest(**{**task.__dict__, "kind": "supplement", "supplement_id": "ev-9"})
    assert [r.idempotency_key for r in (task, notice, supplement)] == ["T1#2", "T1#2#notice#ev-9",
                                                                      "T1#2#supplement#ev-9"]


def test_a_missing_webhook_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OW_AGENCY_WEBHOOK_SECRET", raising=False)
    with pytest.raises(ConfigurationError, match="OW_AGENCY_WEBHOOK_SECRET"):
        load_connector_config()


def test_task_states_follow_the_agency_steps_in_order_and_final_states_stay_final() -> None:
    state = after_step(TaskState.DISPATCHED, AgencyStep.ACKNOWLEDGED)  # an ack may overtake our delivery
    assert state is TaskState.ACKNOWLEDGED
    state = after_step(state, AgencyStep.SUPPLEMENT_REQUESTED)
    assert state is TaskState.NEEDS_SUPPLEMENT
    assert after_step(state, AgencyStep.SUPPLEMENT_REQUESTED) is TaskState.NEEDS_SUPPLEMENT
    assert after_step(state, AgencyStep.COMPLETED) is TaskState.COMPLETED
    assert after_step(TaskState.DELIVERED, AgencyStep.RETURNED) is TaskState.RETURNED
    assert DELIVERY_MOVES == (TaskState.DISPATCHED, TaskState.DELIVERED)


@pytest.mark.parametrize(("state", "step"), [
    (TaskState.ACKNOWLEDGED, AgencyStep.ACKNOWLEDGED),        # a second ack under a new callback id
    (TaskState.DISPATCHED, AgencyStep.COMPLETED),             # completed before the agency has the task
    (TaskState.COMPLETED, AgencyStep.RETURNED),
    (TaskState.RETURNED, AgencyStep.COMPLETED),
    (TaskState.COMPLETED, AgencyStep.SUPPLEMENT_REQUESTED),
])
def test_a_step_out_of_order_is_refused_with_the_state_it_met(state: TaskState, step: AgencyStep) -> None:
    with pytest.raises(OutOfOrder, match=f"is {state.value}; cannot record {step.value}"):
        after_step(state, step)
