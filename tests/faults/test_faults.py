"""Nothing lost, nothing done twice, under faults injected while cases are in flight (#7).

Each scenario runs a bounded load of business start-up bundles (five departments each) against the
whole stack as processes under the `make run` supervisor (which restarts what dies), injects its
fault, and then checks every accepted case: completed or visibly parked, one task per department at
the agencies, one e-mail per (case, reason), and an audit chain that verifies. The rows are printed
as a table at the end of the run (and written to .run/fault-report.md)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import time

import pytest

from tests.faults.conftest import StackFactory
from tests.faults.harness import Load, Row, settle
from tests.support.processes import wait_until
from tests.support.stack import Stack

pytestmark = [pytest.mark.faults, pytest.mark.timeout(900)]

SERVICES = [("intake", "onewindow_intake"), ("routing", "onewindow_routing"),
            ("department-adapter", "onewindow_department_adapter"), ("notification", "onewindow_notification"),
            ("audit", "onewindow_audit"), ("gateway", "onewindow_gateway")]


def steady_load(stack: Stack) -> Load:
    """Twelve business start-up bundles (sixty agency tasks) at three a second."""
    return Load(stack, count=12, rate_per_s=3.0).start()


def kill_and_wait_for_restart(stack: Stack, module: str) -> None:
    pid = stack.child_pid(module)
    os.kill(pid, signal.SIGKILL)

    def restarted() -> bool:
        try:
            return stack.child_pid(module) != pid
        except LookupError:
            return False

    wait_until(restarted, 30, f"{module} was not restarted")


def assert_clean(rows: list[Row]) -> None:
    bad = [row for row in rows if not row.ok()]
    assert not bad, "\n".join(f"{r.fault}: lost {r.lost}, duplicated {r.duplicated}, {r.detail}" for r in bad)


def test_sigkill_of_each_service_in_turn(make_stack: StackFactory) -> None:
    stack = make_stack()
    rows = []
    for name, module in SERVICES:
        load = steady_load(stack)
        time.sleep(1.5)  # cases are in flight
        kill_and_wait_for_restart(stack, module)
        recovered_at = time.monotonic()
        rows.append(settle(stack, f"SIGKILL {name}, restart", load.join(), recovered_at))
    assert_clean(rows)


def test_sigkill_between_database_commit_and_publish(make_stack: StackFactory, tmp_path) -> None:
    # Each service dies once right after its outbox row committed and before the record is sent.
    points = ",".join(f"ow-{name}:outbox.before_publish={n}" for name, n in
                      (("intake", 4), ("routing", 6), ("department-adapter", 6), ("notification", 6)))
    stack = make_stack(OW_FAILPOINTS=points, OW_FAILPOINTS_ONCE_DIR=str(tmp_path / "fired"))
    load = steady_load(stack).join()
    wait_until(lambda: len(list((tmp_path / "fired").glob("*"))) == 4, 60, "not every failpoint fired")
    row = settle(stack, "SIGKILL between commit and publish (intake, routing, adapter, notification)", load,
                 time.monotonic())
    assert_clean([row])


def test_broker_stopped_and_killed_then_restarted(make_stack: StackFactory, fault_broker) -> None:
    stack = make_stack()
    rows = []
    for how in ("stopped cleanly", "SIGKILL"):
        load = steady_load(stack)
        time.sleep(1.5)
        if how == "SIGKILL":
            fault_broker.kill()
        else:
            fault_broker.down()
        time.sleep(5)  # down for a while: producers buffer, consumers reconnect, the gateway keeps accepting
        fault_broker.up()
        recovered_at = time.monotonic()
        rows.append(settle(stack, f"broker {how}, restarted after 5 s", load.join(), recovered_at))
    assert_clean(rows)


def test_an_agency_down_slow_and_answering_garbage(make_stack: StackFactory) -> None:
    import httpx

    stack = make_stack()
    rows = []
    department = "110101.tax"
    for mode, extra in (("down", {}), ("slow", {"slow_s": 7.0}), ("garbage", {})):
        httpx.put(f"{stack.simulator_url}/control/departments/{department}", json={"mode": mode, **extra},
                  timeout=10).raise_for_status()
        load = steady_load(stack).join()
        time.sleep(3)  # deliveries to the department fail and are retried with backoff
        restored = dt.datetime.now(dt.UTC)
        httpx.put(f"{stack.simulator_url}/control/departments/{department}", json={"mode": "normal"},
                  timeout=10).raise_for_status()
        recovered_at = time.monotonic()
        rows.append(settle(stack, f"agency {department} {mode}", load, recovered_at, timeout_s=180))
        if mode != "slow":  # the fault did bite: the department took its tasks only once it was back
            tasks = httpx.get(f"{stack.simulator_url}/control/tasks", params={"department_code": department},
                              timeout=30).json()
            mine = [t for t in tasks if t["application_id"] in set(load.accepted.values())]
            assert len(mine) == len(load.accepted)
            assert all(dt.datetime.fromisoformat(t["received_at"]) >= restored for t in mine), mine
    assert_clean(rows)
