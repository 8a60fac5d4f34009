"""`make docs`: the parts of the READMEs that the code already says, written from the code, so
they cannot drift (`make docs-check`, run by `make test`, fails when a README differs).

Between `<!-- make docs: NAME -->` and `<!-- /make docs -->` in a README:

- `contract` (each service's README): what it serves (the gRPC methods of the servicers it
  defines), consumes (the message classes of its use cases) and produces (the event messages its
  code constructs, found in its source);
- `settings` (each service's and the gateway's README): its own settings — variable, default,
  meaning — from the settings class and its fields' descriptions (a field without one is an error);
- `platform-settings` and `topics` (the top-level README): the settings every service shares,
  and the events each topic carries.

    python -m onewindow_devtools.docs            # rewrite the blocks
    python -m onewindow_devtools.docs --check    # exit 1 naming every README that is out of date
"""

from __future__ import annotations

import argparse
import ast
import functools
import importlib
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from onewindow_platform.config import PlatformSettings
from onewindow_platform.events import EVENT_TYPES
from onewindow_platform.topics import ALL_TOPICS, topic_for_event

from .registry import COMPONENTS, PENDING, Component

REPO = Path(__file__).resolve().parents[3]
BLOCK = re.compile(r"(<!-- make docs: (?P<name>[a-z-]+) -->\n)(?P<body>.*?)(<!-- /make docs -->)", re.DOTALL)
SHORT_NAMES = {name.rsplit(".", 1)[1]: name for name in EVENT_TYPES}


class DocsError(Exception):
    pass


# -- what the code says --------------------------------------------------------------------------

def _sources(component: Component) -> list[Path]:
    package = REPO / component.folder / component.module.split(".")[0]
    return sorted(path for path in package.rglob("*.py") if "_pb2" not in path.name)


def produced_events(component: Component) -> list[str]:
    """Event messages the service's code constructs with content (what it emits)."""
    found = set()
    for path in _sources(component):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and (node.args or node.keywords):
                name = node.func.id if isinstance(node.func, ast.Name) else \
                    node.func.attr if isinstance(node.func, ast.Attribute) else ""
                if name in SHORT_NAMES:
                    found.add(name)
    return sorted(found)


def served_methods(component: Component) -> list[tuple[str, list[str]]]:
    """(gRPC service full name, its methods) for every servicer class the service defines."""
    served = []
    for path in _sources(component):
        tree = ast.parse(path.read_text(), str(path))
        modules = {alias.asname or alias.name: f"{node.module}.{alias.name}" for node in ast.walk(tree)
                   if isinstance(node, ast.ImportFrom) and node.module for alias in node.names}
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            for base in node.bases:
                if isinstance(base, ast.Attribute) and base.attr.endswith("Servicer") and \
                        isinstance(base.value, ast.Name) and base.value.id in modules:
                    pb2 = importlib.import_module(modules[base.value.id].removesuffix("_grpc"))
                    service = pb2.DESCRIPTOR.services_by_name[base.attr.removesuffix("Servicer")]
                    served.append((service.full_name, [m.name for m in service.methods]))
    return sorted(served)


def consumed_events(component: Component) -> list[str]:
    service = importlib.import_module(f"{component.module}.__main__").SERVICE
    return sorted(cls.DESCRIPTOR.name for cls in service.handlers)


def _names(events: list[str]) -> str:
    return ", ".join(f"`{name}`" for name in events) or "nothing"


def contract_table(component: Component) -> str:
    consumed = consumed_events(component)
    audited = [name for name in EVENT_TYPES if topic_for_event(name).audited]
    consumes = (f"every event of every topic ({len(consumed)} types)" if len(consumed) == len(EVENT_TYPES)
                else f"every event of every audited topic ({len(consumed)} types; not the sensors' telemetry)"
                if len(consumed) == len(audited) else _names(consumed))
    rows = [("serves", "; ".join(f"gRPC `{name}`: " + ", ".join(f"`{m}`" for m in methods)
                                 for name, methods in served_methods(component)) or "no API"),
            ("consumes", consumes), ("produces", _names(produced_events(component))),
            ("entry point", f"`python -m {component.module}`")]
    return "| | |\n|---|---|\n" + "".join(f"| {what} | {value} |\n" for what, value in rows)


def _variables(name: str, info: FieldInfo, prefix: str) -> str:
    alias = info.validation_alias
    choices = getattr(alias, "choices", None)
    names = [str(c) for c in choices] if choices else [prefix + name.upper()]
    return " / ".join(f"`{n}`" for n in names)


def _default(info: FieldInfo) -> str:
    value: Any = info.get_default(call_default_factory=True)
    if value is None or value == "":
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def settings_table(cls: type[BaseSettings], fields: list[str]) -> str:
    prefix = str(cls.model_config.get("env_prefix", ""))
    rows = []
    for name in fields:
        info = cls.model_fields[name]
        if not info.description:
            raise DocsError(f"{cls.__name__}.{name} has no description: say what it is for in its Field()")
        rows.append(f"| {_variables(name, info, prefix)} | {_default(info)} | {info.description} |\n")
    return "| variable | default | meaning |\n|---|---|---|\n" + "".join(rows)


def settings_class(component: Component) -> type[BaseSettings]:
    module = importlib.import_module(f"{component.module}.settings")
    found = [value for value in vars(module).values() if isinstance(value, type) and
             issubclass(value, BaseSettings) and value.__module__ == module.__name__]
    if len(found) != 1:
        raise DocsError(f"{module.__name__} should define one settings class, not {len(found)}")
    return found[0]


def own_settings_table(component: Component) -> str:
    cls = settings_class(component)
    shared = set(PlatformSettings.model_fields) if issubclass(cls, PlatformSettings) else set()
    own = [name for name in cls.model_fields if name not in shared]
    return settings_table(cls, own) if own else "Only the platform settings (top-level README).\n"


def topics_table() -> str:
    """Every event by topic, with the services that emit and consume it."""
    services = [c for c in (*COMPONENTS, *PENDING) if c.kind == "service"]
    emitted = {c.short_name: set(produced_events(c)) for c in services}
    consumed = {c.short_name: set(consumed_events(c)) for c in services}
    rows = []
    for topic in ALL_TOPICS:
        for full_name in sorted(name for name in EVENT_TYPES if topic_for_event(name) is topic):
            event = full_name.rsplit(".", 1)[1]
            by = ", ".join(n for n, events in emitted.items() if event in events) or "none"
            to = ", ".join(name for name, events in consumed.items() if event in events)
            rows.append(f"| `{topic.name}` | {event} | {by} | {to} |\n")
    return "| topic | event | emitted by | consumed by |\n|---|---|---|---|\n" + "".join(rows)


# -- the READMEs -----------------------------------------------------------------------------------

def blocks() -> dict[Path, dict[str, Callable[[], str]]]:
    wanted: dict[Path, dict[str, Callable[[], str]]] = {REPO / "README.md": {
        "platform-settings": lambda: settings_table(PlatformSettings, list(PlatformSettings.model_fields)),
        "topics": topics_table}}
    for component in (*COMPONENTS, *PENDING):
        if not component.ours:
            continue
        readme = REPO / component.folder / "README.md"
        wanted[readme] = {"settings": functools.partial(own_settings_table, component)}
        if component.kind == "service":
            wanted[readme]["contract"] = functools.partial(contract_table, component)
    return wanted


def rendered(path: Path, makers: dict[str, Callable[[], str]]) -> str:
    text = path.read_text()
    present = {m.group("name") for m in BLOCK.finditer(text)}
    missing = set(makers) - present
    if missing:
        raise DocsError(f"{path.relative_to(REPO)} lacks the block(s) "
                        + ", ".join(f"<!-- make docs: {name} --> … <!-- /make docs -->" for name in sorted(missing)))

    def fill(match: re.Match[str]) -> str:
        maker = makers.get(match.group("name"))
        body = maker() if maker else match.group("body")
        return match.group(1) + body + match.group(4)

    return BLOCK.sub(fill, text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m onewindow_devtools.docs", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when a README is out of date")
    args = parser.parse_args(argv)
    stale = []
    try:
        for path, makers in blocks().items():
            new = rendered(path, makers)
            if new != path.read_text():
                stale.append(str(path.relative_to(REPO)))
                if not args.check:
                    path.write_text(new)
    except DocsError as exc:
        print(f"docs: {exc}", file=sys.stderr)
        return 1
    if args.check and stale:
        print(f"docs: out of date: {', '.join(stale)}; run 'make docs' and commit", file=sys.stderr)
        return 1
    print(f"docs: {'rewrote ' + ', '.join(stale) if stale and not args.check else 'up to date'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
