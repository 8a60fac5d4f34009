"""Render the Kubernetes manifests in deploy/k8s, with no cluster:

    python -m onewindow_devtools.kustomize [deploy/k8s]     # the manifests, as `kubectl apply -k` sees them

Renders with the project's own kustomize, a pinned version built once from the Go module proxy
into .tools/bin (`go install`, under a minute), so every machine renders alike. Without Go it
falls back to a `kustomize` on PATH, then to kubectl's built-in one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[3]
TOOLS_BIN = REPO / ".tools" / "bin"
KUSTOMIZE_MODULE = "sigs.k8s.io/kustomize/kustomize/v5@v5.7.1"  # builds with the Go on our machines


class SetupError(RuntimeError):
    """Nothing here can render kustomize; the message says what to install."""


def _command() -> list[str]:
    built = TOOLS_BIN / "kustomize"
    if built.exists():
        return [str(built), "build"]
    go = shutil.which("go")
    if not go:
        if found := shutil.which("kustomize"):
            return [found, "build"]
        if found := shutil.which("kubectl"):
            return [found, "kustomize"]
        raise SetupError("no Go, kustomize or kubectl on this machine: install one of them")
    TOOLS_BIN.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GOBIN": str(TOOLS_BIN), "CGO_ENABLED": "0"}
    done = subprocess.run([go, "install", KUSTOMIZE_MODULE], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SetupError(f"`go install {KUSTOMIZE_MODULE}` failed:\n{done.stderr[-2000:]}")
    return [str(built), "build"]


def render_text(folder: Path = REPO / "deploy" / "k8s") -> str:
    done = subprocess.run([*_command(), str(folder)], capture_output=True, text=True)
    if done.returncode != 0:
        raise SetupError(f"kustomize could not render {folder}:\n{done.stderr.strip()}")
    return done.stdout


def render(folder: Path = REPO / "deploy" / "k8s") -> list[dict[str, Any]]:
    """Every object the folder renders to, as dictionaries."""
    return [doc for doc in yaml.safe_load_all(render_text(folder)) if doc]


if __name__ == "__main__":
    try:
        sys.stdout.write(render_text(Path(sys.argv[1]) if sys.argv[1:] else REPO / "deploy" / "k8s"))
    except SetupError as exc:
        sys.exit(str(exc))
