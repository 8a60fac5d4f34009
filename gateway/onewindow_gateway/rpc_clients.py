"""The gateway's gRPC clients (intake, department-adapter, notification, audit): calls spread
over every instance of the service (`onewindow_platform.rpc.client_target`), trace context in
metadata, and gRPC status codes turned into the HTTP errors a caller can act on."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
from fastapi import HTTPException, status

from onewindow.adapter.v1 import adapter_pb2, adapter_pb2_grpc
from onewindow.audit.v1 import audit_pb2, audit_pb2_grpc
from onewindow.intake.v1 import intake_pb2, intake_pb2_grpc
from onewindow.ledger.v1 import ledger_pb2, ledger_pb2_grpc
from onewindow.notification.v1 import notification_pb2, notification_pb2_grpc
from onewindow.supervision.v1 import supervision_pb2, supervision_pb2_grpc
from onewindow_platform.rpc import CLIENT_OPTIONS, client_target, outgoing_metadata

GRPC_TO_HTTP = {
    grpc.StatusCode.NOT_FOUND: status.HTTP_404_NOT_FOUND,
    grpc.StatusCode.ALREADY_EXISTS: status.HTTP_409_CONFLICT,
    grpc.StatusCode.FAILED_PRECONDITION: status.HTTP_409_CONFLICT,
    grpc.StatusCode.INVALID_ARGUMENT: status.HTTP_422_UNPROCESSABLE_CONTENT,
    grpc.StatusCode.PERMISSION_DENIED: status.HTTP_403_FORBIDDEN,
    grpc.StatusCode.DEADLINE_EXCEEDED: status.HTTP_504_GATEWAY_TIMEOUT,
}


class RpcClient:
    """A gRPC client on grpc's asyncio API: a call is awaited on the gateway's event loop, with no
    hop to a worker thread and back per request. A channel belongs to the event loop it was made
    on, so it is opened on the first call, on the loop that serves the requests."""

    name = "service"

    def __init__(self, address: str, timeout_s: float, stub_class: type) -> None:
        self.address = address
        self.timeout_s = timeout_s
        self._stub_class = stub_class
        self._channel: grpc.aio.Channel | None = None
        self._stub: Any = None

    def _open(self) -> grpc.aio.Channel:
        if self._channel is None:
            self._channel = grpc.aio.insecure_channel(client_target(self.address), options=CLIENT_OPTIONS)
            self._stub = self._stub_class(self._channel)
        return self._channel

    async def call(self, method: str, request: object, extra_metadata: list[tuple[str, str]] | None = None) -> Any:
        try:
            self._open()
            return await getattr(self._stub, method)(
                request, timeout=self.timeout_s, metadata=[*outgoing_metadata(), *(extra_metadata or [])])
        except grpc.RpcError as exc:
            code = exc.code()
            detail = exc.details() or code.name
            if code == grpc.StatusCode.UNAVAILABLE:
                raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"{self.name} is unavailable; retry shortly",
                                    headers={"Retry-After": "5"}) from None
            raise HTTPException(GRPC_TO_HTTP.get(code, status.HTTP_502_BAD_GATEWAY), detail) from None

    async def ready(self, timeout_s: float) -> bool:
        try:
            await asyncio.wait_for(self._open().channel_ready(), timeout_s)
            return True
        except TimeoutError:
            return False

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()
            self._channel = None


class IntakeClient(RpcClient):
    name = "intake"

    def __init__(self, address: str, timeout_s: float) -> None:
        super().__init__(address, timeout_s, intake_pb2_grpc.IntakeServiceStub)

    async def submit(self, request: intake_pb2.SubmitApplicationRequest) -> intake_pb2.SubmitApplicationResponse:
        return await self.call("SubmitApplication", request)

    async def get(self, application_id: str) -> intake_pb2.ApplicationView:
        return (await self.call("GetApplication",
                                 intake_pb2.GetApplicationRequest(application_id=application_id))).application

    async def record_access(self, application_id: str, viewer: Any, purpose: str, data_shown: list[str]) -> str:
        request = intake_pb2.RecordAccessRequest(application_id=application_id, viewer=viewer, purpose=purpose,
                                                 data_shown=data_shown)
        return str((await self.call("RecordAccess", request)).event_id)

    async def list(self, request: intake_pb2.ListApplicationsRequest,
             subject_id: str = "") -> intake_pb2.ListApplicationsResponse:
        metadata = [("ow-subject-id", subject_id)] if subject_id else None
        return await self.call("ListApplications", request, metadata)


    async def provide_supplement(self, request: intake_pb2.ProvideSupplementRequest,
                                 ) -> intake_pb2.ProvideSupplementResponse:
        return await self.call("ProvideSupplement", request)


class AdapterClient(RpcClient):
    name = "department-adapter"

    def __init__(self, address: str, timeout_s: float) -> None:
        super().__init__(address, timeout_s, adapter_pb2_grpc.DepartmentAdapterServiceStub)

    async def record(self, request: adapter_pb2.RecordAgencyEventRequest) -> adapter_pb2.RecordAgencyEventResponse:
        return await self.call("RecordAgencyEvent", request)

    async def parked(self, department_code: str = "") -> adapter_pb2.ListParkedTasksResponse:
        return await self.call("ListParkedTasks", adapter_pb2.ListParkedTasksRequest(department_code=department_code))

    async def replay(self, task_id: str) -> adapter_pb2.ReplayParkedTaskResponse:
        return await self.call("ReplayParkedTask", adapter_pb2.ReplayParkedTaskRequest(task_id=task_id))


class NotificationClient(RpcClient):
    name = "notification"

    def __init__(self, address: str, timeout_s: float) -> None:
        super().__init__(address, timeout_s, notification_pb2_grpc.NotificationServiceStub)

    async def rate(self, request: notification_pb2.RecordSatisfactionRequest,
                   ) -> notification_pb2.RecordSatisfactionResponse:
        return await self.call("RecordSatisfaction", request)

    async def stats(self, request: notification_pb2.GetSatisfactionStatsRequest,
              ) -> notification_pb2.GetSatisfactionStatsResponse:
        return await self.call("GetSatisfactionStats", request)

    async def receipt(self, request: notification_pb2.RecordDeliveryReceiptRequest) -> bool:
        return bool((await self.call("RecordDeliveryReceipt", request)).known)

    async def inbox(self, subject_id: str, page_size: int) -> notification_pb2.ListInboxResponse:
        request = notification_pb2.ListInboxRequest(subject_id=subject_id, page_size=page_size)
        return await self.call("ListInbox", request)


class AuditClient(RpcClient):
    name = "audit"

    def __init__(self, address: str, timeout_s: float) -> None:
        super().__init__(address, timeout_s, audit_pb2_grpc.AuditServiceStub)

    async def timeline(self, application_id: str) -> audit_pb2.GetTimelineResponse:
        return await self.call("GetTimeline", audit_pb2.GetTimelineRequest(application_id=application_id))

    async def verify(self) -> audit_pb2.VerifyChainResponse:
        return await self.call("VerifyChain", audit_pb2.VerifyChainRequest())

    async def trace(self, trace_id: str) -> audit_pb2.GetTraceResponse:
        return await self.call("GetTrace", audit_pb2.GetTraceRequest(trace_id=trace_id))


class SupervisionClient(RpcClient):
    name = "supervision"

    def __init__(self, address: str, timeout_s: float) -> None:
        super().__init__(address, timeout_s, supervision_pb2_grpc.SupervisionServiceStub)

    async def ranking(self, request: supervision_pb2.GetRankingRequest) -> supervision_pb2.GetRankingResponse:
        return await self.call("GetRanking", request)

    async def history(self, request: supervision_pb2.GetIndicatorHistoryRequest,
                      ) -> supervision_pb2.GetIndicatorHistoryResponse:
        return await self.call("GetIndicatorHistory", request)

    async def calls(self, request: supervision_pb2.ListFollowUpCallsRequest,
                    ) -> supervision_pb2.ListFollowUpCallsResponse:
        return await self.call("ListFollowUpCalls", request)

    async def record_call(self, request: supervision_pb2.RecordFollowUpCallRequest,
                          ) -> supervision_pb2.RecordFollowUpCallResponse:
        return await self.call("RecordFollowUpCall", request)


class LedgerClient(RpcClient):
    """The ledger of livelihood projects, served by the supervision service on its port."""

    name = "ledger"

    def __init__(self, address: str, timeout_s: float) -> None:
        super().__init__(address, timeout_s, ledger_pb2_grpc.LedgerServiceStub)

    async def register(self, request: ledger_pb2.RegisterProjectRequest) -> ledger_pb2.ProjectChanged:
        return await self.call("RegisterProject", request)

    async def progress(self, request: ledger_pb2.ReportProgressRequest) -> ledger_pb2.ProjectChanged:
        return await self.call("ReportProgress", request)

    async def complete(self, request: ledger_pb2.CompleteProjectRequest) -> ledger_pb2.ProjectChanged:
        return await self.call("CompleteProject", request)

    async def rate(self, request: ledger_pb2.RateProjectRequest) -> ledger_pb2.ProjectChanged:
        return await self.call("RateProject", request)

    async def projects(self, request: ledger_pb2.ListProjectsRequest) -> ledger_pb2.ListProjectsResponse:
        return await self.call("ListProjects", request)

    async def project(self, project_id: str) -> ledger_pb2.Project:
        return await self.call("GetProject", ledger_pb2.GetProjectRequest(project_id=project_id))
