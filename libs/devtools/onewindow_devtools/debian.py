"""Installing Debian packages the project needs (PostgreSQL, Chromium, a CJK font) on a fresh
machine: as root, with apt-get, refreshing the package lists only when an install without them fails."""

from __future__ import annotations

import os
import shutil
import subprocess


class SetupError(RuntimeError):
    """Something the project needs could not be installed or started; the message says what to do."""


def install_packages(*packages: str) -> None:
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SetupError(f"install Debian's {', '.join(packages)} (needs root and apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]
    if subprocess.run(install, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
        return
    for command in (["apt-get", "update", "-q"], install):
        if subprocess.run(command, env=env, stdout=subprocess.DEVNULL).returncode != 0:
            raise SetupError(f"`{' '.join(command)}` failed: cannot install {', '.join(packages)}")
