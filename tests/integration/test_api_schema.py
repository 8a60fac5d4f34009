"""schemathesis against the gateway's own OpenAPI document, every endpoint, with each role's
token: no answer is a server error, and every documented answer matches its schema."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.support.stack import Stack

pytestmark = pytest.mark.kafka


@pytest.fixture(scope="module")
def stack(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory):
    stack = Stack(root=tmp_path_factory.mktemp("schema"), bootstrap=kafka_bootstrap,
                  topic_prefix=f"x{uuid.uuid4().hex[:8]}.",
                  extra_env={"OW_SIMULATOR_DEFAULT_THEN": "hold", "OW_RATE_LIMIT_PER_S": "1000",
                             "OW_RATE_LIMIT_BURST": "1000", "OW_AUTH_FAILURES_PER_MIN": "100000"})
    stack.start(stack.write_tokens({"clerk": {"role": "clerk", "region_code": "110101"}, "ops": {"role": "ops"},
                                    "citizen": {"role": "citizen", "id_number": "11010519491231002X"}}))
    yield stack
    assert stack.stop() == 0


@pytest.mark.parametrize("role", ["ops", "clerk", "citizen", "agency"])
def test_no_server_error_and_every_answer_matches_the_schema(stack: Stack, role: str, tmp_path: Path) -> None:
    token = stack.agency_tokens["110101.tax"] if role == "agency" else stack.tokens[role]
    command = [sys.executable, "-m", "schemathesis.cli", "run", f"{stack.url}/openapi.json",
               "--checks", "not_a_server_error,response_schema_conformance,content_type_conformance",
               "--header", f"Authorization: Bearer {token}", "--max-examples", "12", "--workers", "1",
               "--phases", "examples,coverage,fuzzing", "--generation-deterministic", "--request-timeout", "20",
               "--suppress-health-check", "all", "--no-color"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    (Path.cwd() / ".run").mkdir(exist_ok=True)
    (Path.cwd() / ".run" / f"schemathesis-{role}.txt").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
