"""One connection per thread, opened on first use and all closed together — for the services'
SQLite files and their PostgreSQL schemas alike (a connection is never shared between
threads, so no driver has to be thread-safe)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

C = TypeVar("C")


class PerThreadConnections(Generic[C]):
    def __init__(self, open_connection: Callable[[], C], usable: Callable[[C], bool] = lambda _: True) -> None:
        self._open = open_connection
        self._usable = usable  # False: the connection broke; this thread gets a new one
        self._local = threading.local()
        self._all: list[C] = []
        self._lock = threading.Lock()

    def get(self) -> C:
        conn: C | None = getattr(self._local, "conn", None)
        if conn is None or not self._usable(conn):
            conn = self._open()
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def close_all(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()  # type: ignore[attr-defined]
            self._all.clear()
        self._local = threading.local()
