"""One way to start a service: it declares what it is made of, the platform builds and wires it.

    SERVICE = Service(
        settings=settings_from_env,
        schema=SCHEMA,
        reference={"catalog": lambda s: load_catalog(s.catalog_dir)},          # before any connection
        components={"worker": lambda b: DeliveryWorker(b.settings, b.db, b.relay)},  # once the platform runs
        handlers={TaskDispatched: on_dispatched},
        servers=[lambda b: b.worker.start()],
    )
    raise SystemExit(run(SERVICE))

A handler is a plain function of the typed payload, the HandlerContext and, by parameter name, any
dependency it needs — `def on_dispatched(task: TaskDispatched, ctx: HandlerContext, worker:
DeliveryWorker)` — the shape of cosmicpython's bootstrap: the wiring lives here once, handlers stay
free of closures, holder classes and isinstance checks, and a unit test calls them with fakes.

The order is fixed: settings → reference data (a bad file fails before the broker is asked) →
the platform (logging, broker, topics, database and its migrations, producer, outbox relay) →
components → servers → the consuming loop; on SIGTERM the servers stop in reverse order, then the
relay drains. Anything that cannot start is one message on stderr and exit code 2.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.message import Message

from .config import ConfigurationError, PlatformSettings
from .consumer import Emit, Handler, HandlerContext
from .events import DecodedEvent
from .kafka import BrokerUnavailable
from .migrations import Schema
from .runtime import ServiceRuntime

UseCase = Callable[..., Iterable[Emit] | None]


class Built:
    """What a component or server factory is given: the platform's parts (settings, db, relay,
    producer, runtime) and every dependency built before it, as attributes."""

    def __init__(self, parts: dict[str, Any]) -> None:
        self._parts = parts

    def __getattr__(self, name: str) -> Any:
        try:
            return self._parts[name]
        except KeyError:
            raise AttributeError(f"no dependency {name!r} (declared so far: {', '.join(self._parts)})") from None

    def add(self, name: str, value: object) -> None:
        if name in self._parts:
            raise ConfigurationError(f"dependency {name!r} is declared twice")
        self._parts[name] = value

    def names(self) -> set[str]:
        return set(self._parts)


@dataclass(frozen=True)
class Service:
    settings: Callable[[], PlatformSettings]
    schema: Schema | None = None
    reference: Mapping[str, Callable[[Any], object]] = field(default_factory=dict)
    components: Mapping[str, Callable[[Built], object]] = field(default_factory=dict)
    handlers: Mapping[type[Message], UseCase] = field(default_factory=dict)
    servers: Sequence[Callable[[Built], Callable[[], None]]] = ()


def wire(handlers: Mapping[type[Message], UseCase], built: Built) -> dict[str, Handler]:
    """Bind each use case's dependencies by parameter name; keyed by the event type's full name."""
    wired: dict[str, Handler] = {}
    for message_class, use_case in handlers.items():
        wanted = list(inspect.signature(use_case).parameters)[2:]  # after (payload, ctx)
        missing = [name for name in wanted if name not in built.names()]
        if missing:
            raise ConfigurationError(f"{use_case.__name__} needs {', '.join(missing)}, "
                                     "which the service does not build")
        wired[message_class.DESCRIPTOR.full_name] = _bound(use_case, {name: getattr(built, name) for name in wanted})
    return wired


def _bound(use_case: UseCase, dependencies: dict[str, object]) -> Handler:
    def handle(event: DecodedEvent, ctx: HandlerContext) -> Iterable[Emit] | None:
        return use_case(event.payload, ctx, **dependencies)

    handle.__name__ = use_case.__name__
    return handle


def run(service: Service) -> int:
    """Run the service until it is told to stop: 0 after a clean drain, 2 when it cannot start."""
    try:
        settings = service.settings()
        reference = {name: factory(settings) for name, factory in service.reference.items()}
    except Exception as exc:  # a bad setting, a missing or malformed reference file
        return _cannot_start(exc)
    runtime = ServiceRuntime(settings, schema=service.schema)
    runtime.install_signal_handlers()
    try:
        try:
            runtime.start()
            built = Built({"settings": settings, "runtime": runtime, "db": runtime.database,
                           "relay": runtime.outbox_relay, "producer": runtime.producer, **reference})
            for name, factory in service.components.items():
                built.add(name, factory(built))
            handlers = wire(service.handlers, built)
            for start_server in service.servers:
                runtime.on_stop(start_server(built))
            runtime.consume(handlers)
        finally:
            runtime.shutdown()
    except (ConfigurationError, BrokerUnavailable) as exc:
        return _cannot_start(exc)
    return 0


def _cannot_start(exc: BaseException) -> int:
    print(f"cannot start: {exc}", file=sys.stderr)
    return 2
