"""The gRPC services the gateway calls exist with the documented methods."""

from onewindow.audit.v1 import audit_pb2, audit_pb2_grpc
from onewindow.intake.v1 import intake_pb2, intake_pb2_grpc


def _methods(module, service: str) -> dict[str, tuple[str, str]]:
    descriptor = module.DESCRIPTOR.services_by_name[service]
    return {m.name: (m.input_type.name, m.output_type.name) for m in descriptor.methods}


def test_intake_service() -> None:
    assert _methods(intake_pb2, "IntakeService") == {
        "SubmitApplication": ("SubmitApplicationRequest", "SubmitApplicationResponse"),
        "GetApplication": ("GetApplicationRequest", "GetApplicationResponse"),
        "ListApplications": ("ListApplicationsRequest", "ListApplicationsResponse"),
        "ProvideSupplement": ("ProvideSupplementRequest", "ProvideSupplementResponse"),
        "RecordAccess": ("RecordAccessRequest", "RecordAccessResponse"),
    }
    assert hasattr(intake_pb2_grpc, "IntakeServiceStub")
    assert hasattr(intake_pb2_grpc, "add_IntakeServiceServicer_to_server")


def test_department_adapter_and_agency_services() -> None:
    from onewindow.adapter.v1 import adapter_pb2
    from onewindow.agency.v1 import agency_pb2

    assert set(_methods(adapter_pb2, "DepartmentAdapterService")) == {
        "RecordAgencyEvent", "ListParkedTasks", "ReplayParkedTask"}
    assert set(_methods(agency_pb2, "AgencyTaskService")) == {"ReceiveTask", "ReceiveSupplement", "ReceiveNotice"}


def test_the_ledger_service() -> None:
    from onewindow.ledger.v1 import ledger_pb2

    assert _methods(ledger_pb2, "LedgerService") == {
        "RegisterProject": ("RegisterProjectRequest", "ProjectChanged"),
        "ReportProgress": ("ReportProgressRequest", "ProjectChanged"),
        "CompleteProject": ("CompleteProjectRequest", "ProjectChanged"),
        "RateProject": ("RateProjectRequest", "ProjectChanged"),
        "ListProjects": ("ListProjectsRequest", "ListProjectsResponse"),
        "GetProject": ("GetProjectRequest", "Project"),
    }


def test_audit_service() -> None:
    assert _methods(audit_pb2, "AuditService") == {
        "GetTimeline": ("GetTimelineRequest", "GetTimelineResponse"),
        "VerifyChain": ("VerifyChainRequest", "VerifyChainResponse"),
        "GetTrace": ("GetTraceRequest", "GetTraceResponse"),
    }
    assert hasattr(audit_pb2_grpc, "AuditServiceStub")
