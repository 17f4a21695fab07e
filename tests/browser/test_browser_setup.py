"""`python3 tasks.py test` makes sure the browser is there: it installs Debian's chromium and chromium-driver when
it runs as root with apt-get (as CI does), and otherwise stops with one line saying what to install."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.test_demo_setup import _tasks


def _machine(monkeypatch: pytest.MonkeyPatch, tasks: Any, found: set[str], root: bool) -> list[list[str]]:
    ran: list[list[str]] = []
    monkeypatch.setattr(tasks.shutil, "which", lambda name: f"/usr/bin/{name}" if name in found else None)
    monkeypatch.setattr(tasks.os, "geteuid", lambda: 0 if root else 1000, raising=False)

    def run(*cmd: Any, **_: Any) -> int:
        ran.append([str(c) for c in cmd])
        return 0

    monkeypatch.setattr(tasks, "run", run)
    return ran


def test_a_machine_with_the_browser_installs_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    tasks = _tasks()
    ran = _machine(monkeypatch, tasks, {"chromium", "chromedriver", "apt-get"}, root=True)
    tasks.ensure_browser()
    assert ran == []


def test_root_with_apt_get_installs_the_debian_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    tasks = _tasks()
    ran = _machine(monkeypatch, tasks, {"apt-get"}, root=True)
    tasks.ensure_browser()
    assert ran[0][:2] == ["apt-get", "update"]
    assert ran[1][:2] == ["apt-get", "install"] and ran[1][-2:] == ["chromium", "chromium-driver"]


def test_elsewhere_one_line_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    tasks = _tasks()
    ran = _machine(monkeypatch, tasks, {"apt-get", "chromium"}, root=False)
    with pytest.raises(SystemExit) as stopped:
        tasks.ensure_browser()
    message = str(stopped.value.code)
    assert ran == [] and "\n" not in message and "apt-get install chromium chromium-driver" in message
