"""The development tokens `make run` prints: a clerk at every window of the catalog, each one
accepted by the gateway for its own region, kept across runs."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from onewindow_catalog import load_catalog
from onewindow_devtools.dev_tokens import ensure_dev_tokens, window_regions
from onewindow_gateway.auth import TokenStore


def test_every_window_of_the_catalog_has_a_clerk_the_gateway_accepts(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OW_PSEUDONYM_KEY", base64.b64encode(os.urandom(32)).decode())
    regions = window_regions(load_catalog())
    # The places of the report: Hangzhou Linping, Dongying, Zhongshan (a city without districts).
    assert {"110101", "330113", "370502", "442000"} <= set(regions)

    store = TokenStore.from_file(ensure_dev_tokens(tmp_path / "run", tmp_path / "data"))
    clear = json.loads((tmp_path / "run" / "dev-tokens.json").read_text())
    for region in regions:
        principal = store.lookup(clear["clerks"][region])
        assert principal is not None and principal.role == "clerk" and principal.region_code == region
    assert clear["clerk"] == clear["clerks"]["110101"]

    ensure_dev_tokens(tmp_path / "run", tmp_path / "data")
    assert json.loads((tmp_path / "run" / "dev-tokens.json").read_text()) == clear  # kept across runs
