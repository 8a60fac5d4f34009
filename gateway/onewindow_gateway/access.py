"""Object-level authorization: who may see which case.

- ops: every case;
- clerk: cases received in, handled in, or located in their region (cross-region both ways);
- citizen: their own cases (matched by the pseudonymous subject id of their ID number);
- agency: cases with a task for their department.
"""

from __future__ import annotations

from onewindow.intake.v1.intake_pb2 import ApplicationView
from onewindow_catalog.catalog import region_prefix

from .auth import Principal


def in_region(code: str, region: str) -> bool:
    return bool(code) and code.startswith(region_prefix(region))


def may_read(principal: Principal, view: ApplicationView) -> bool:
    if principal.role == "ops":
        return True
    if principal.role == "clerk":
        return any(in_region(code, principal.region_code) for code in
                   (view.receiving_region_code, view.handling_region_code, view.location_region_code))
    if principal.role == "citizen":
        return bool(principal.subject_id) and view.applicant.subject_id == principal.subject_id
    if principal.role == "agency":
        return any(task.department_code == principal.department_code for task in view.tasks)
    return False
