"""gRPC face of the simulator: onewindow.agency.v1.AgencyTaskService."""

from __future__ import annotations

import grpc
from google.protobuf.json_format import MessageToDict

from onewindow.agency.v1 import agency_pb2, agency_pb2_grpc

from .agency import Agency, AgencyDown, AnswerGarbage


class AgencyTaskApi(agency_pb2_grpc.AgencyTaskServiceServicer):
    def __init__(self, agency: Agency) -> None:
        self.agency = agency

    def ReceiveTask(self, request: agency_pb2.ReceiveTaskRequest,
                    context: grpc.ServicerContext) -> agency_pb2.ReceiveTaskResponse:
        metadata = dict(context.invocation_metadata())
        key = str(metadata.get("idempotency-key", ""))
        if not key:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "idempotency-key metadata is required")
        try:
            reference = self.agency.receive(key, request.task_id, request.application_id, request.department_code,
                                            "grpc", str(metadata.get("traceparent", "")))
        except AgencyDown:
            context.abort(grpc.StatusCode.UNAVAILABLE, "system maintenance")
        except AnswerGarbage:
            return agency_pb2.ReceiveTaskResponse(agency_reference="\x00\x01garbage\x02" * 3)
        return agency_pb2.ReceiveTaskResponse(agency_reference=reference)

    def ReceiveSupplement(self, request: agency_pb2.ReceiveSupplementRequest,
                          context: grpc.ServicerContext) -> agency_pb2.ReceiveSupplementResponse:
        reference = self.agency.receive_supplement(request.task_id, request.department_code,
                                                   MessageToDict(request.fields),
                                                   str(dict(context.invocation_metadata()).get("traceparent", "")))
        return agency_pb2.ReceiveSupplementResponse(agency_reference=reference)

    def ReceiveNotice(self, request: agency_pb2.ReceiveNoticeRequest,
                      context: grpc.ServicerContext) -> agency_pb2.ReceiveNoticeResponse:
        key = str(dict(context.invocation_metadata()).get("idempotency-key", ""))
        if not key or not request.step:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "idempotency-key metadata and a step are required")
        respond_by = request.respond_by.ToJsonString() if request.HasField("respond_by") else ""
        try:
            reference = self.agency.receive_notice(key, request.task_id, request.department_code, request.step,
                                                   request.reason, respond_by, "grpc")
        except AgencyDown:
            context.abort(grpc.StatusCode.UNAVAILABLE, "system maintenance")
        return agency_pb2.ReceiveNoticeResponse(agency_reference=reference)
