"""What every Python suite shares: ONE emulator running the real bridge, for the whole session. Suites that
need another project or lifetime start their own (tests/emulator: a fixture project; tests/doctor: a stale
bridge; tests/conformance: a private one it may fill with scratch sheets). Tests leave it as they found it
apart from the spreadsheets they create: faults, script settings and limits are reset by the suites' fixtures
(`Emulator.reset()`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from orchestrator.codegen import BRIDGE_DIR
from orchestrator.emulator import Emulator, running_emulator


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    with running_emulator(tmp_path_factory.mktemp("emulator"), BRIDGE_DIR) as emu:
        yield emu
