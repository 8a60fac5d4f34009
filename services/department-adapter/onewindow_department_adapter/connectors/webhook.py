"""REST/JSON webhook connector: a signed POST per task (Idempotency-Key = task id + dispatch), per
supplement and per supervision notice (the key also names the supplement or the notice)."""

from __future__ import annotations

import json

import httpx

from onewindow_platform.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

from .base import DeliveryError, DeliveryRequest
from .config import ConnectorRule, RetryPolicy


class WebhookConnector:
    def __init__(self, rule: ConnectorRule, policy: RetryPolicy) -> None:
        self.rule = rule
        self.policy = policy
        self.client = httpx.Client(timeout=policy.timeout_s, follow_redirects=False)

    def deliver(self, request: DeliveryRequest) -> str:
        if request.kind == "supplement":
            url = self.rule.supplement_url.format(department_code=request.department_code)
            document: dict[str, object] = {"task_id": request.task_id, "department_code": request.department_code,
                                           "fields": request.fields}
        elif request.kind == "notice":
            if not self.rule.notice_url:
                raise DeliveryError(f"connector {self.rule.name} has no notice_url")
            url = self.rule.notice_url.format(department_code=request.department_code)
            document = {"task_id": request.task_id, "department_code": request.department_code,
                        "dispatch_number": request.dispatch_number, "notice_id": request.supplement_id,
                        **request.fields}
        else:
            url = self.rule.url.format(department_code=request.department_code)
            document = {
                "task_id": request.task_id, "application_id": request.application_id,
                "department_code": request.department_code, "item_code": request.item_code,
                "dispatch_number": request.dispatch_number, "deadline": request.deadline_iso,
                "applicant": {"name": request.applicant_name_masked, "id_number": request.applicant_id_number_masked},
                "fields": request.fields,
            }
        body = json.dumps(document, ensure_ascii=False, sort_keys=True).encode()
        timestamp, signature = sign(self.rule.secret, body)
        headers = {"Content-Type": "application/json", "Idempotency-Key": request.idempotency_key,
                   TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature}
        if request.traceparent:
            headers["traceparent"] = request.traceparent
        try:
            with self.client.stream("POST", url, content=body, headers=headers) as response:
                raw = _read_limited(response, self.policy.max_response_bytes)
        except httpx.TimeoutException:
            raise DeliveryError(f"timed out after {self.policy.timeout_s:g}s") from None
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from None
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"agency answered HTTP {response.status_code}")
        return parse_agency_reference(raw)

    def close(self) -> None:
        self.client.close()


def _read_limited(response: httpx.Response, limit: int) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise DeliveryError(f"agency answer larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_agency_reference(raw: bytes) -> str:
    """Agency answers are untrusted: a malformed one is a failed delivery, never a crash."""
    try:
        answer = json.loads(raw)
    except ValueError:
        raise DeliveryError("agency answer is not JSON") from None
    reference = answer.get("agency_reference") if isinstance(answer, dict) else None
    if not isinstance(reference, str) or not 0 < len(reference) <= 128 or not reference.isprintable():
        raise DeliveryError("agency answer lacks a valid agency_reference")
    return reference
