"""A stop signal never deadlocks the service it stops: the handler takes no lock the main thread
may hold. Ctrl-C on `make run` sends SIGINT to every process and the supervisor's SIGTERM follows
within a millisecond, so the second handler can run inside the first; it once waited for ever on
the stop event's lock, and the supervisor had to kill the service 30 s later."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from onewindow_platform.config import PlatformSettings, load_settings
from onewindow_platform.runtime import ServiceRuntime


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[ServiceRuntime]:
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    service = ServiceRuntime(load_settings(PlatformSettings, data_dir=tmp_path, service_name="ow-signals"))
    service.install_signal_handlers()
    yield service
    for number, handler in before.items():
        signal.signal(number, handler)


@pytest.mark.timeout(20)
def test_signals_arriving_while_the_main_thread_holds_the_stop_events_lock_still_stop_it(
        runtime: ServiceRuntime) -> None:
    handler = signal.getsignal(signal.SIGTERM)
    assert callable(handler)
    # As inside `stop_event.wait()` on the main thread, or inside the first handler's `set()`.
    with runtime.stop_event._cond:
        handler(signal.SIGINT, None)
        handler(signal.SIGTERM, None)     # the supervisor's SIGTERM right behind the Ctrl-C
        assert not runtime.stop_event.is_set()
    assert runtime.stop_event.wait(10), "the stop was never requested"
