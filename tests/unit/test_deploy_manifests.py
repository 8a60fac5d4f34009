"""The cluster manifests (deploy/k8s), rendered by kustomize as `kubectl apply -k` would: every
workload of ours runs as two or more non-root pods on a read-only root file system, probed,
bounded, kept up through voluntary disruptions, configured only with settings its service has,
its secrets only by reference; gRPC reaches every pod through a headless Service; Kafka and
PostgreSQL are clusters of three with the replication the services rely on."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from onewindow_department_adapter.connectors.config import load_connector_config
from onewindow_devtools.docs import settings_class
from onewindow_devtools.kustomize import render
from onewindow_devtools.registry import OURS, Component
from onewindow_platform.config import PlatformSettings
from onewindow_platform.rpc import client_target

Object = dict[str, Any]
NAMESPACE = "onewindow"
# Read by code outside the settings classes (personal_data.py, connectors.yaml, healthcheck.py, sessions.py).
READ_ELSEWHERE = {"OW_PII_KEY", "OW_PII_OLD_KEYS", "OW_PSEUDONYM_KEY", "OW_AGENCY_WEBHOOK_SECRET",
                  "OW_HEALTH_MAX_AGE_S", "OW_GATEWAY_SESSION_KEY"}
SECRET_WORDS = ("KEY", "SECRET", "PASSWORD", "USERNAME", "TOKEN", "DATABASE_URL")


@pytest.fixture(scope="module")
def objects() -> list[Object]:
    return render()


def _of(objects: list[Object], kind: str) -> dict[str, Object]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def _component(deployment: Object) -> Component:
    return next(c for c in OURS if c.short_name == deployment["metadata"]["name"])


def _container(deployment: Object) -> Object:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, deployment["metadata"]["name"]
    return containers[0]


def _env(container: Object) -> dict[str, Object]:
    return {e["name"]: e for e in container.get("env", [])}


def _variables(cls: type) -> set[str]:
    """Every environment variable a settings class reads (its aliases, or prefix + field name)."""
    prefix = str(cls.model_config.get("env_prefix", ""))  # type: ignore[attr-defined]
    names: set[str] = set()
    for name, info in cls.model_fields.items():  # type: ignore[attr-defined]
        alias = info.validation_alias
        choices = getattr(alias, "choices", None)
        names |= {str(c) for c in choices} if choices else {str(alias) if alias else prefix + name.upper()}
    return names


def _deployments(objects: list[Object]) -> Iterator[tuple[str, Object]]:
    yield from _of(objects, "Deployment").items()


def _settings_config(objects: list[Object]) -> dict[str, str]:
    (config,) = [o for n, o in _of(objects, "ConfigMap").items() if n.startswith("onewindow-settings")]
    data: dict[str, str] = config["data"]
    return data


def test_every_workload_of_ours_is_deployed_and_nothing_else(objects: list[Object]) -> None:
    assert sorted(_of(objects, "Deployment")) == sorted(c.short_name for c in OURS)
    assert {o["metadata"].get("namespace") for o in objects if o["kind"] != "Namespace"} == {NAMESPACE}


def test_every_workload_survives_losing_a_pod_or_a_machine(objects: list[Object]) -> None:
    budgets = _of(objects, "PodDisruptionBudget")
    for name, deployment in _deployments(objects):
        spec = deployment["spec"]
        assert spec["replicas"] >= 2, name
        assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0, name
        labels = spec["template"]["metadata"]["labels"]
        guarding = [b for b in budgets.values()
                    if b["spec"]["selector"]["matchLabels"].items() <= labels.items()]
        assert len(guarding) == 1, f"{name}: one PodDisruptionBudget, not {len(guarding)}"
        assert 1 <= guarding[0]["spec"]["minAvailable"] < spec["replicas"], name
        (spread,) = spec["template"]["spec"]["topologySpreadConstraints"]
        assert spread["topologyKey"] == "kubernetes.io/hostname", name


def test_every_container_is_probed_and_bounded(objects: list[Object]) -> None:
    for name, deployment in _deployments(objects):
        container = _container(deployment)
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            assert probe in container, f"{name} has no {probe}"
        liveness = container["livenessProbe"]
        if _component(deployment).kind == "gateway":
            assert liveness["httpGet"]["path"] == "/healthz"
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        else:  # the heartbeat the main loop touches; readiness: the gRPC port, when it has one
            assert liveness["exec"]["command"] == ["python", "-m", "onewindow_platform.healthcheck"], name
        for bound in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(container["resources"][bound]), f"{name}: {bound}"


def test_every_pod_runs_non_root_on_a_read_only_root_file_system(objects: list[Object]) -> None:
    for name, deployment in _deployments(objects):
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] != 0, name
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", name
        assert pod["automountServiceAccountToken"] is False, name
        container = _container(deployment)
        context = container["securityContext"]
        assert context["readOnlyRootFilesystem"] is True and context["allowPrivilegeEscalation"] is False, name
        assert context["capabilities"]["drop"] == ["ALL"], name
        volumes = {v["name"]: v for v in pod["volumes"]}
        mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
        assert all(m["name"] in volumes for m in mounts.values()), f"{name}: a mount without its volume"
        for writable in ("/data", "/tmp"):  # OW_DATA_DIR (heartbeat) and Python's temporary files
            assert "emptyDir" in volumes[mounts[writable]["name"]], f"{name}: {writable}"
        read_only = [m for m in mounts.values() if m["mountPath"] not in ("/data", "/tmp")]
        assert all(m.get("readOnly") for m in read_only), f"{name}: configuration mounted writable"


def test_every_variable_is_a_setting_of_its_service_and_secrets_come_by_reference(objects: list[Object]) -> None:
    config = _settings_config(objects)
    shared = _variables(PlatformSettings)
    assert set(config) <= shared, f"not platform settings: {set(config) - shared}"
    assert not [k for k in config if any(word in k for word in SECRET_WORDS)], "a secret in the ConfigMap"
    for name, deployment in _deployments(objects):
        container = _container(deployment)
        assert [ref["configMapRef"]["name"] for ref in container["envFrom"]] == [
            n for n in _of(objects, "ConfigMap") if n.startswith("onewindow-settings")]
        known = shared | _variables(settings_class(_component(deployment))) | READ_ELSEWHERE
        env = _env(container)
        assert set(env) <= known, f"{name} sets what it never reads: {set(env) - known}"
        assert env["OW_INSTANCE_ID"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name", name
        for variable, entry in env.items():
            if any(word in variable for word in SECRET_WORDS) and not variable.endswith("_FILE"):
                assert "secretKeyRef" in entry.get("valueFrom", {}), f"{name}: {variable} written in the manifest"


def test_every_service_loads_its_settings_from_the_manifests(objects: list[Object],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The literal values parse: each container's settings object builds from what it is given
    (secrets, which the cluster supplies, are left at their defaults here)."""
    for name, deployment in _deployments(objects):
        with monkeypatch.context() as env:
            for variable, value in _settings_config(objects).items():
                env.setenv(variable, value)
            for variable, entry in _env(_container(deployment)).items():
                if "value" in entry:
                    env.setenv(variable, entry["value"])
            settings = settings_class(_component(deployment))()
        assert settings is not None, name


def test_every_grpc_api_is_reached_on_every_pod_through_a_headless_service(objects: list[Object]) -> None:
    services = _of(objects, "Service")
    gateway_env = _env(_container(_of(objects, "Deployment")["gateway"]))
    for component in (c for c in OURS if c.grpc_env):
        deployment = _of(objects, "Deployment")[component.short_name]
        listen = _env(_container(deployment))[component.grpc_env]["value"]
        port = int(listen.rsplit(":", 1)[1])
        service = services[component.short_name]
        assert service["spec"]["clusterIP"] == "None", f"{component.short_name}: not headless"
        assert service["spec"]["selector"].items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
        assert [p["port"] for p in service["spec"]["ports"]] == [port]
        target = gateway_env[component.grpc_env]["value"]
        assert target == f"dns:///{component.short_name}.{NAMESPACE}.svc.cluster.local:{port}"
        assert client_target(target) == target  # what the gateway's channel is given
    otlp = urlsplit(_settings_config(objects)["OTEL_EXPORTER_OTLP_ENDPOINT"])
    audit_port = services["audit"]["spec"]["ports"][0]["port"]
    assert (otlp.hostname, otlp.port) == ("audit", audit_port)  # spans go to the audit's span store


def test_kafka_is_three_kraft_nodes_with_the_replication_the_producers_need(objects: list[Object]) -> None:
    (kafka,) = _of(objects, "Kafka").values()
    (pool,) = _of(objects, "KafkaNodePool").values()
    assert kafka["metadata"]["annotations"] == {"strimzi.io/node-pools": "enabled", "strimzi.io/kraft": "enabled"}
    assert pool["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
    assert pool["spec"]["replicas"] == 3 and sorted(pool["spec"]["roles"]) == ["broker", "controller"]
    broker = kafka["spec"]["kafka"]["config"]
    assert broker["default.replication.factor"] == 3 and broker["min.insync.replicas"] == 2
    assert broker["offsets.topic.replication.factor"] == 3 and broker["auto.create.topics.enable"] is False
    config = _settings_config(objects)
    assert config["OW_TOPIC_REPLICATION_FACTOR"] == "3"
    (plain,) = [li for li in kafka["spec"]["kafka"]["listeners"] if li["tls"] is False]
    assert config["OW_KAFKA_BOOTSTRAP_SERVERS"] == f"{kafka['metadata']['name']}-kafka-bootstrap:{plain['port']}"


def test_every_consuming_service_keeps_its_state_in_the_postgresql_cluster(objects: list[Object]) -> None:
    (database,) = _of(objects, "Cluster").values()
    assert database["apiVersion"].startswith("postgresql.cnpg.io/") and database["spec"]["instances"] >= 3
    for name, deployment in _deployments(objects):
        url = _env(_container(deployment)).get("OW_DATABASE_URL")
        if _component(deployment).kind == "gateway":
            assert url is None  # the gateway keeps no state of its own
            continue
        assert url is not None, f"{name} would keep its state in an emptyDir"
        # CloudNativePG writes the application user's connection URL into <cluster>-app, key uri.
        assert url["valueFrom"]["secretKeyRef"] == {"name": f"{database['metadata']['name']}-app", "key": "uri"}


def test_the_adapters_connectors_load_and_stay_on_their_allowed_hosts(objects: list[Object],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    (connectors,) = [o for n, o in _of(objects, "ConfigMap").items() if n.startswith("onewindow-connectors")]
    adapter = _of(objects, "Deployment")["department-adapter"]
    path = Path(_env(_container(adapter))["OW_CONNECTORS_FILE"]["value"])
    (volume,) = [v for v in adapter["spec"]["template"]["spec"]["volumes"]
                 if v.get("configMap", {}).get("name") == connectors["metadata"]["name"]]
    (mount,) = [m for m in _container(adapter)["volumeMounts"] if m["name"] == volume["name"]]
    assert path.parent == Path(mount["mountPath"]) and path.name in connectors["data"]
    monkeypatch.setenv("OW_AGENCY_WEBHOOK_SECRET", "a-test-secret-of-enough-length")  # from the Secret
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / path.name
        copy.write_text(connectors["data"][path.name], encoding="utf-8")
        config = load_connector_config(copy)  # the adapter's own loader: it refuses a bad file
    assert [rule.kind for rule in config.rules] == ["grpc", "webhook"]
    assert config.rule_for("110101.tax").url.startswith("https://")  # agencies over TLS in a cluster
