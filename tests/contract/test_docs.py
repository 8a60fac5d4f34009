"""The READMEs say what the code does: each service's serves / consumes / produces table equals
its gRPC servicers, its use cases and the events its code builds, and every settings table equals
its settings class — because `make docs` writes them from the code and this test fails on drift."""

from __future__ import annotations

from onewindow_devtools import docs
from onewindow_devtools.registry import COMPONENTS


def test_every_readme_is_what_make_docs_writes() -> None:
    stale = [str(path) for path, makers in docs.blocks().items() if docs.rendered(path, makers) != path.read_text()]
    assert not stale, f"out of date (run `make docs`): {stale}"


def test_the_contract_table_reads_the_code() -> None:
    adapter = next(c for c in COMPONENTS if c.name == "ow-department-adapter")
    assert docs.consumed_events(adapter) == ["SupervisionStepIssued", "SupplementProvided", "TaskDispatched"]
    assert "TaskDelivered" in docs.produced_events(adapter) and "TaskDispatched" not in docs.produced_events(adapter)
    assert docs.served_methods(adapter) == [("onewindow.adapter.v1.DepartmentAdapterService",
                                             ["RecordAgencyEvent", "ListParkedTasks", "ReplayParkedTask"])]
