"""A flame graph of one service under load, with py-spy (sampling; the service is not slowed
down or restarted). Saved beside the report."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path


def py_spy() -> str | None:
    beside_python = Path(sys.executable).parent / "py-spy"
    return str(beside_python) if beside_python.exists() else shutil.which("py-spy")


def record_flame_graph(pid: int, seconds: int, out: Path) -> str:
    """Sample `pid` for `seconds` (threads holding the GIL, i.e. Python doing work) into an SVG.
    Returns what happened, for the report."""
    tool = py_spy()
    if tool is None:
        return "py-spy is not installed (make install adds it)"
    done = subprocess.run([tool, "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "100",
                           "--gil", "--nonblocking", "--format", "flamegraph", "--output", str(out)],
                          capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0 or not out.exists():
        return f"py-spy failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-300:]}"
    return "ok"
