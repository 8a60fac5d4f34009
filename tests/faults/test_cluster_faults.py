"""Outgrowing one machine, under faults (#15): two instances of every service and of the gateway,
each service's state in its schema of one PostgreSQL database, on a three-node Kafka cluster
(topics replicated three times, two in sync to write, producers acks=all).

Every row runs two loads at once for its whole length:

- the **steady load**: the benchmark's own case (a noise complaint through the hotline) at
  `STEADY_PER_S`, a third of the one-machine maximum `make bench` measured (31.5 cases/s on this
  machine, bench/results 20261203T053335Z). Each of its submissions must end filed once and
  completed;
- the **counted load**: business start-up bundles (five agencies and three e-mails each), which
  the five independent witnesses of `harness.count_row` count as in every other fault row.

Then one thing dies: one instance of each service in turn (SIGKILL; the supervisor brings it back,
as an orchestrator would, and the surviving instance carries the work meanwhile), a broker that
leads partitions (SIGKILL, back after a while), and the broker that is the active controller.
The rows form their own table of the report (`make test-faults`). They are not part of
`make test` (marker `cluster`): ten minutes of a loaded cluster belong with the fault suite.
"""

from __future__ import annotations

import itertools
import os
import signal
import time
from collections import Counter
from collections.abc import Callable

import pytest
from kafka import KafkaAdminClient

from onewindow_devtools.kafka_local import LocalCluster
from onewindow_devtools.registry import OURS
from tests.faults import witnesses as w
from tests.faults.conftest import StackFactory
from tests.faults.harness import CLUSTER, Expect, Row, assert_clean, cases_under_way, count_row, work_done_by
from tests.faults.load import Load, complaint_payload
from tests.support.processes import wait_until
from tests.support.stack import Stack

pytestmark = [pytest.mark.faults, pytest.mark.cluster, pytest.mark.timeout(1800)]

BENCH_MAXIMUM_PER_S = 31.5  # cases/s, `make bench` on this machine, one instance of each on SQLite
STEADY_PER_S = float(os.environ.get("OW_FAULT_STEADY_PER_S", str(round(BENCH_MAXIMUM_PER_S / 3 + 0.05, 1))))
COUNTED = 12  # business start-up bundles a row counts, at three a second
ROW_S = 16.0  # how long the steady load runs in a row (the fault falls in its middle)
NOTIFY_WORKERS = 2


def steady(stack: Stack) -> Load:
    return Load(stack, count=int(STEADY_PER_S * ROW_S), rate_per_s=STEADY_PER_S, token="hotline",
                payload=complaint_payload, give_up_after_s=180).start()


def steady_problems(stack: Stack, load: Load) -> tuple[dict[str, int], list[str]]:
    """The steady load's own account: each submission answered, filed once, completed."""
    load.join(timeout_s=300)
    stored = w.intake_complaints(stack, load.tag)
    filed = Counter(c.n for c in stored)
    accepted = load.accepted
    problems = [f"steady load: submission {o.n} broke the client: {o.error}" for o in load.broken]
    if load.refused:
        problems.append(f"steady load refused: {dict(load.refused)}")
    lost = [n for n in accepted if filed[n] == 0]
    twice = [n for n, count in filed.items() if count > 1 or n not in accepted]
    open_cases = [c.application_id for c in stored if c.status != "completed"]
    if lost:
        problems.append(f"steady load: {len(lost)} accepted complaints not in intake's store")
    if twice:
        problems.append(f"steady load: {len(twice)} complaints filed twice or without the caller told")
    if open_cases:
        problems.append(f"steady load: {len(open_cases)} complaints never completed, e.g. {open_cases[:2]}")
    return {"steady complaints completed": sum(c.status == "completed" for c in stored)}, problems


def run_row(stack: Stack, fault: str, hit: Callable[[], None], evidence: Callable[[], dict[str, int]],
            service: str = "intake", expect: Expect | None = None) -> Row:
    """Both loads start; once `service` has done work for the counted load, `hit()` breaks
    something; the row is counted once all is quiet (time to recover: from the hit)."""
    background = steady(stack)
    load = Load(stack, count=COUNTED, rate_per_s=3.0, give_up_after_s=180)
    baseline = work_done_by(stack, service, load)
    load.start()
    wait_until(lambda: work_done_by(stack, service, load) - baseline >= 2, 90, f"{service} did no work")
    in_flight = cases_under_way(stack, load)
    hit()
    load.join(timeout_s=300)
    background.join(timeout_s=300)
    answered = sorted(o.answered_at for o in background.outcomes if o.accepted)
    pause = max((b - a for a, b in itertools.pairwise(answered)), default=0.0)
    steady_found: list[str] = []

    def all_evidence() -> dict[str, int]:
        figures, found = steady_problems(stack, background)
        steady_found.extend(found)
        return {**evidence(), **figures, "longest pause between the steady load's 202s (ms)": int(pause * 1000)}

    # Time to quiet: from the last answer to either load until nothing moves (the backlog drained).
    row = count_row(stack, fault, load, max(answered[-1:] + [o.answered_at for o in load.outcomes]),
                    in_flight=in_flight, evidence=all_evidence, expect=expect or Expect(), table=CLUSTER,
                    quiet_timeout_s=300)
    row.submitted += background.count
    row.accepted += len(background.accepted)
    row.problems += steady_found
    return row


def partitions_led_by(stack: Stack, node: int) -> int:
    """How many partitions of the stack's topics `node` leads (they move when it dies)."""
    admin = KafkaAdminClient(bootstrap_servers=stack.bootstrap)
    try:
        topics = [t for t in admin.list_topics() if t.startswith(stack.topic_prefix)]
        return sum(p["leader_id"] == node for t in admin.describe_topics(topics) for p in t["partitions"])
    finally:
        admin.close()


def kill_one_instance(stack: Stack, module: str, instance: int) -> Callable[[], None]:
    def hit() -> None:
        pid = stack.child_pid(module, instance)
        os.kill(pid, signal.SIGKILL)

        def restarted() -> bool:
            try:
                return stack.child_pid(module, instance) != pid
            except LookupError:
                return False

        wait_until(restarted, 60, f"{module} instance {instance} was not restarted")
    return hit


def test_sigkill_one_instance_of_each_service_in_turn(make_cluster_stack: StackFactory) -> None:
    stack = make_cluster_stack(OW_NOTIFY_WORKERS=str(NOTIFY_WORKERS))
    rows = []
    for number, component in enumerate(OURS):
        service = component.short_name
        instance = 1 + number % 2  # the first instance of one service, the second of the next
        before = w.handled_events(stack, component.name) if component.kind == "service" else 0

        def evidence(c: str = component.name, kind: str = component.kind, b: int = before) -> dict[str, int]:
            if kind != "service":
                return {}
            return {f"{c.removeprefix('ow-')} events handled in the row": w.handled_events(stack, c) - b}

        expect = Expect(resent=NOTIFY_WORKERS) if service == "notification" else Expect()
        rows.append(run_row(stack, f"SIGKILL {service} instance {instance} of 2", kill_one_instance(
            stack, component.module, instance), evidence, service=service, expect=expect))
    assert_clean(rows)


def test_sigkill_a_broker_then_the_active_controller(make_cluster_stack: StackFactory,
                                                     fault_cluster: LocalCluster) -> None:
    stack = make_cluster_stack()
    rows = []
    down_s = 8.0

    def kill_and_return(pick: Callable[[], int]) -> Callable[[], None]:
        def hit() -> None:
            node = pick()
            killed.append(node)
            led.append(partitions_led_by(stack, node))
            fault_cluster.node(node).kill()
            time.sleep(down_s)  # the partitions it led have moved; producers and consumers follow
            fault_cluster.node(node).up(wait=False)
        return hit

    killed: list[int] = []
    led: list[int] = []

    def a_broker_not_the_controller() -> int:
        controller = fault_cluster.active_controller()
        return next(n for n in (1, 2, 3) if n != controller)

    def the_active_controller() -> int:
        controller = fault_cluster.active_controller()
        assert controller is not None, "no active controller before the kill"
        return controller

    for fault, pick in ((f"SIGKILL a broker (not the controller), back after {down_s:.0f} s",
                         a_broker_not_the_controller),
                        (f"SIGKILL the active controller, back after {down_s:.0f} s", the_active_controller)):
        rows.append(run_row(stack, fault, kill_and_return(pick),
                            lambda: {"partitions the killed node led": led[-1]}))
        wait_until(lambda: fault_cluster.active_controller() is not None, 60, "the quorum has no controller")
    new_controller = fault_cluster.active_controller()
    assert new_controller is not None and killed[1] in (1, 2, 3)
    rows[-1].detail += f"; controller was node {killed[1]}, now node {new_controller}"
    assert_clean(rows)
