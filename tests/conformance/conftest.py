"""The conformance checks against one emulator per module (the real bridge, a scratch spreadsheet whose title says
so, the emulator's own OAuth token), and a guard that keeps every test here off the network: only loopback names
resolve, so nothing can reach Google even by mistake."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestrator.conformance import Target, emulator_target, require_scratch
from orchestrator.emulator import REPO_ROOT, Emulator, start_emulator
from tests.support.offline.local_only import local_only

BRIDGE_DIR = REPO_ROOT / "appsscript"
SCRATCH_TITLE = "zeues conformance scratch"


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", local_only(socket.getaddrinfo))


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emu = start_emulator(tmp_path_factory.mktemp("conformance"), BRIDGE_DIR)
    try:
        yield emu
    finally:
        assert emu.stop() == 0


def make_target(emu: Emulator, title: str = SCRATCH_TITLE) -> Target:
    spreadsheet_id = emu.create_spreadsheet({"properties": {"title": title}})
    return emulator_target(emu.url, spreadsheet_id, emu.deployment_id, emu.authorized_user())


@pytest.fixture(scope="module")
def target(emulator: Emulator) -> Iterator[Target]:
    t = make_target(emulator)
    assert require_scratch(t) == SCRATCH_TITLE
    yield t
    t.close()


@pytest.fixture()
def tmp_report(tmp_path: Path) -> Path:
    return tmp_path / "report" / "conformance.json"
