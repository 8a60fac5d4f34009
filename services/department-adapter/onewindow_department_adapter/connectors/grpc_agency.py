"""gRPC connector: onewindow.agency.v1.AgencyTaskService implemented by the agency."""

from __future__ import annotations

import datetime as dt

import grpc
from google.protobuf.struct_pb2 import Struct

from onewindow.agency.v1 import agency_pb2, agency_pb2_grpc

from .base import DeliveryError, DeliveryRequest
from .config import ConnectorRule, RetryPolicy


class GrpcConnector:
    def __init__(self, rule: ConnectorRule, policy: RetryPolicy) -> None:
        self.rule = rule
        self.policy = policy
        self.channel = grpc.insecure_channel(rule.target, options=[
            ("grpc.max_receive_message_length", policy.max_response_bytes)])
        self.stub = agency_pb2_grpc.AgencyTaskServiceStub(self.channel)

    def deliver(self, request: DeliveryRequest) -> str:
        fields = Struct()
        fields.update(request.fields)  # type: ignore[arg-type]
        metadata = [("idempotency-key", request.idempotency_key)]
        if request.traceparent:
            metadata.append(("traceparent", request.traceparent))
        if request.kind == "supplement":
            supplement = agency_pb2.ReceiveSupplementRequest(task_id=request.task_id,
                                                             department_code=request.department_code, fields=fields)
            return self._call("ReceiveSupplement", supplement, metadata)
        if request.kind == "notice":
            return self._call("ReceiveNotice", notice_message(request), metadata)
        message = agency_pb2.ReceiveTaskRequest(
            task_id=request.task_id, application_id=request.application_id,
            department_code=request.department_code, item_code=request.item_code,
            applicant_name_masked=request.applicant_name_masked,
            applicant_id_number_masked=request.applicant_id_number_masked, fields=fields,
            dispatch_number=request.dispatch_number,
        )
        if request.deadline_iso:
            message.deadline.FromDatetime(dt.datetime.fromisoformat(request.deadline_iso))
        return self._call("ReceiveTask", message, metadata)

    def _call(self, method: str, message: object, metadata: list[tuple[str, str]]) -> str:
        try:
            answer = getattr(self.stub, method)(message, timeout=self.policy.timeout_s, metadata=metadata)
        except grpc.RpcError as exc:
            raise DeliveryError(f"gRPC {exc.code().name}: {exc.details()}") from None
        reference = answer.agency_reference
        if not 0 < len(reference) <= 128 or not reference.isprintable():
            raise DeliveryError("agency answer lacks a valid agency_reference")
        return reference

    def close(self) -> None:
        self.channel.close()


def notice_message(request: DeliveryRequest) -> agency_pb2.ReceiveNoticeRequest:
    fields = request.fields
    message = agency_pb2.ReceiveNoticeRequest(
        task_id=request.task_id, department_code=request.department_code, notice_id=request.supplement_id,
        step=str(fields.get("step", "")), reason=str(fields.get("reason", "")),
        dispatch_number=request.dispatch_number)
    for name in ("task_due_at", "respond_by"):
        if fields.get(name):
            getattr(message, name).FromDatetime(dt.datetime.fromisoformat(str(fields[name])))
    return message
