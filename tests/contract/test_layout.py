"""Every service is its own package with an entry point, a Dockerfile and a README, and the
compose file runs each of them with a healthcheck."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
import yaml

from onewindow_devtools.registry import COMPONENTS, Component

REPO = Path(__file__).resolve().parents[2]
PACKAGES = {c.compose_name: REPO / c.folder for c in COMPONENTS if c.compose_name}


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_service_package_shape(name: str) -> None:
    folder = PACKAGES[name]
    module = "onewindow_" + name.replace("-", "_")
    for part in ("pyproject.toml", "Dockerfile", "README.md", f"{module}/__main__.py", f"{module}/settings.py"):
        assert (folder / part).is_file(), f"{name} lacks {part}"
    importlib.import_module(f"{module}.__main__")
    dockerfile = (folder / "Dockerfile").read_text()
    assert "HEALTHCHECK" in dockerfile and "USER 10001" in dockerfile
    assert f'"-m", "{module}"' in dockerfile


def test_compose_runs_every_service_with_kafka_and_jaeger() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"kafka", "jaeger", *PACKAGES} <= set(services)
    assert "healthcheck" in services["kafka"] and "healthcheck" in services["jaeger"]
    for name, folder in PACKAGES.items():
        spec = services[name]
        assert spec["build"]["dockerfile"] == str((folder / "Dockerfile").relative_to(REPO))
        assert spec["depends_on"]["kafka"]["condition"] == "service_healthy"
        service_name = name if name == "agency-simulator" else f"ow-{name}"
        assert spec["environment"]["OTEL_SERVICE_NAME"] == service_name
        assert spec["environment"]["OW_KAFKA_BOOTSTRAP_SERVERS"] == "kafka:19092"


@pytest.mark.parametrize("component", [c for c in COMPONENTS if c.ours], ids=lambda c: c.short_name)
def test_compose_runs_two_of_each_of_ours_on_postgresql(component: Component) -> None:
    services = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]
    spec = services[component.compose_name]
    assert spec["deploy"]["replicas"] == 2
    assert "/data" in spec["tmpfs"]  # nothing durable inside a container: the state is in PostgreSQL
    assert not [v for v in spec.get("volumes", []) if v.endswith(":/data")]
    if component.kind == "service":
        assert spec["environment"]["OW_DATABASE_URL"].startswith("postgresql://")
        assert spec["depends_on"]["postgres"]["condition"] == "service_healthy"
    else:  # the gateway reaches every instance of each service through its name
        for service in (c for c in COMPONENTS if c.grpc_env):
            port = service.grpc_default.rsplit(":", 1)[1]
            assert spec["environment"][service.grpc_env] == f"dns:///{service.compose_name}:{port}"


def _local_dependencies(folder: Path) -> set[str]:
    """The onewindow libraries a package needs, transitively (e.g. platform needs contracts)."""
    import tomllib

    needed: set[str] = set()
    pending = [folder]
    while pending:
        project = tomllib.loads((pending.pop() / "pyproject.toml").read_text())["project"]
        for requirement in project.get("dependencies", []):
            if requirement.startswith("onewindow-"):
                library = requirement.removeprefix("onewindow-")
                if library not in needed:
                    needed.add(library)
                    pending.append(REPO / "libs" / library)
    return needed


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_dockerfile_installs_every_library_the_package_needs(name: str) -> None:
    dockerfile = (PACKAGES[name] / "Dockerfile").read_text()
    for library in _local_dependencies(PACKAGES[name]):
        assert f"COPY libs/{library} libs/{library}" in dockerfile, f"{name} image lacks libs/{library}"
        assert f"./libs/{library} " in dockerfile, f"{name} image does not install libs/{library}"
