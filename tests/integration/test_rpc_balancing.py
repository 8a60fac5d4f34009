"""The gateway's calls to a service spread over all of its instances and go on when one dies:
real gRPC servers on real ports, the gateway's own client, an instance stopped mid-run."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter

import grpc
import pytest

from onewindow.audit.v1 import audit_pb2, audit_pb2_grpc
from onewindow_gateway.rpc_clients import AuditClient
from onewindow_platform.rpc import client_target, make_server
from tests.support.stack import free_port


class Instance(audit_pb2_grpc.AuditServiceServicer):
    """One instance of a service: answers with its own name and counts what it served."""

    def __init__(self, name: str, served: Counter[str], lock: threading.Lock) -> None:
        self.name, self.served, self.lock = name, served, lock

    def GetTimeline(self, request: audit_pb2.GetTimelineRequest, context: grpc.ServicerContext):
        with self.lock:
            self.served[self.name] += 1
        return audit_pb2.GetTimelineResponse(application_id=f"{request.application_id}@{self.name}")


def start_instance(name: str, served: Counter[str], lock: threading.Lock) -> tuple[grpc.Server, int]:
    server = make_server(max_workers=4)
    audit_pb2_grpc.add_AuditServiceServicer_to_server(Instance(name, served, lock), server)
    port = free_port()
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    return server, port


def test_calls_spread_over_every_instance_and_survive_one_dying() -> None:
    served: Counter[str] = Counter()
    lock = threading.Lock()
    a, port_a = start_instance("a", served, lock)
    b, port_b = start_instance("b", served, lock)

    async def run() -> list[str]:
        client = AuditClient(f"127.0.0.1:{port_a},127.0.0.1:{port_b}", timeout_s=5)
        answers = []
        try:
            assert await client.ready(5)
            for n in range(40):
                answers.append((await client.timeline(f"case-{n}")).application_id)
            a.stop(grace=None).wait()  # instance a dies; its connections close under the client
            for n in range(40, 80):
                answers.append((await client.timeline(f"case-{n}")).application_id)
        finally:
            await client.close()
        return answers

    answers = asyncio.run(run())
    b.stop(grace=None)
    assert len(answers) == 80  # no call failed, not even the first after a died
    first, after = answers[:40], answers[40:]
    assert {x.rsplit("@", 1)[1] for x in first} == {"a", "b"}  # both took calls
    assert min(Counter(x.rsplit("@", 1)[1] for x in first).values()) >= 15  # round robin, not first-come
    assert {x.rsplit("@", 1)[1] for x in after} == {"b"}


def test_address_settings_become_grpc_targets_or_a_clear_error() -> None:
    assert client_target("intake:50051") == "intake:50051"  # DNS: every address of the name
    assert client_target("dns:///intake.onewindow.svc:50051") == "dns:///intake.onewindow.svc:50051"
    assert client_target("10.0.0.5:50051, 10.0.0.6:50051") == "ipv4:10.0.0.5:50051,10.0.0.6:50051"
    assert client_target("[::1]:50051,[::1]:50052") == "ipv6:[::1]:50051,[::1]:50052"
    with pytest.raises(ValueError, match="dns:///"):
        client_target("intake-1:50051,intake-2:50051")
    with pytest.raises(ValueError, match="no port"):
        client_target("10.0.0.5:50051,10.0.0.6")
