"""The connector configuration file: rules, retry policy and the host allow-list."""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from onewindow_platform.config import ConfigurationError

SHIPPED = Path(__file__).resolve().parent.parent / "connectors.yaml"
_VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)(?::-([^}]*))?\}")


@dataclass(frozen=True)
class RetryPolicy:
    timeout_s: float = 5.0
    max_attempts: int = 6
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    breaker_failures: int = 5
    breaker_open_s: float = 10.0
    max_response_bytes: int = 65536


@dataclass(frozen=True)
class ConnectorRule:
    name: str
    departments: tuple[str, ...]
    kind: str
    target: str = ""
    url: str = ""
    supplement_url: str = ""
    notice_url: str = ""          # webhook: where supervision notices go ("" : this agency takes none)
    secret: bytes = b""

    def matches(self, department_code: str) -> bool:
        return any(fnmatch.fnmatchcase(department_code, pattern) for pattern in self.departments)


@dataclass(frozen=True)
class ConnectorConfig:
    policy: RetryPolicy
    rules: tuple[ConnectorRule, ...]
    allowed_hosts: frozenset[str]

    def rule_for(self, department_code: str) -> ConnectorRule:
        for rule in self.rules:
            if rule.matches(department_code):
                return rule
        raise ConfigurationError(f"no connector rule matches department {department_code}")


def _interpolate(value: str) -> str:
    return _VARIABLE.sub(lambda m: os.environ.get(m.group(1), m.group(2) or ""), value)


def load_connector_config(path: Path | None = None) -> ConnectorConfig:
    path = path or SHIPPED
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"OW_CONNECTORS_FILE {path}: {exc}") from None
    try:
        policy = RetryPolicy(**(data.get("defaults") or {}))
    except TypeError as exc:
        raise ConfigurationError(f"{path}: defaults: {exc}") from None
    allowed = frozenset(host.strip() for entry in data.get("allowed_hosts") or []
                        for host in _interpolate(str(entry)).split(",") if host.strip())
    rules = []
    for raw in data.get("connectors") or []:
        name = raw.get("name", "?")
        kind = raw.get("kind")
        if kind not in ("webhook", "grpc"):
            raise ConfigurationError(f"{path}: connector {name}: kind must be webhook or grpc")
        url, target = _interpolate(raw.get("url", "")), _interpolate(raw.get("target", ""))
        host = urlsplit(url).hostname if kind == "webhook" else target.rsplit(":", 1)[0]
        if not host:
            raise ConfigurationError(f"{path}: connector {name}: needs a {'url' if kind == 'webhook' else 'target'}")
        if host not in allowed:
            raise ConfigurationError(f"{path}: connector {name}: host {host!r} is not in allowed_hosts")
        secret = b""
        if kind == "webhook":
            variable = raw.get("secret_env", "")
            secret = os.environ.get(variable, "").encode()
            if len(secret) < 16:
                raise ConfigurationError(f"{path}: connector {name}: set {variable or 'secret_env'} to the agency's "
                                         "HMAC secret (at least 16 characters)")
        supplement_url = _interpolate(raw.get("supplement_url", ""))
        if kind == "webhook" and urlsplit(supplement_url).hostname not in allowed:
            raise ConfigurationError(f"{path}: connector {name}: supplement_url must be on an allowed host")
        notice_url = _interpolate(raw.get("notice_url", ""))
        if kind == "webhook" and notice_url and urlsplit(notice_url).hostname not in allowed:
            raise ConfigurationError(f"{path}: connector {name}: notice_url must be on an allowed host")
        rules.append(ConnectorRule(name=name, departments=tuple(raw.get("departments") or ["*"]), kind=kind,
                                   target=target, url=url, supplement_url=supplement_url, notice_url=notice_url,
                                   secret=secret))
    if not rules:
        raise ConfigurationError(f"{path}: no connectors configured")
    return ConnectorConfig(policy=policy, rules=tuple(rules), allowed_hosts=allowed)
