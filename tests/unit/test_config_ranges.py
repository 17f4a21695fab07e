"""Every number setting has an accepted range; inf, nan, 1e308 and negatives are CONFIG_INVALID naming the key,
where the value came from and what is accepted (issue 12, finding 11), from each of flag, env and toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.cli.common import classify
from orchestrator.config import CONFIG_FILE, RANGES, SETTINGS, ConfigInvalid, load_config
from orchestrator.exit_codes import ExitCode

ENDPOINT = {"endpoint": "http://127.0.0.1:1"}  # lets script_timeout go under 360 s, as for the emulator
BAD = ["inf", "-inf", "nan", "1e308", "-1", "1e9"]


def _load(tmp_path: Path, where: str, key: str, text: str) -> None:
    flags: dict[str, object | None] = dict(ENDPOINT)
    env: dict[str, str] = {}
    if where == "flag":
        flags[key] = float(text)
    elif where == "env":
        env[SETTINGS[key].env] = text
    else:
        (tmp_path / CONFIG_FILE).write_text(f"{key} = {text}\n", encoding="utf-8")
    load_config(flags, env, tmp_path, require=())


@pytest.mark.parametrize("key", sorted(RANGES))
@pytest.mark.parametrize("where", ["flag", "env", "toml"])
def test_out_of_range_values_are_refused_by_name(tmp_path: Path, key: str, where: str) -> None:
    said = {"flag": SETTINGS[key].flag, "env": SETTINGS[key].env, "toml": f"{CONFIG_FILE}: {key}"}[where]
    for text in BAD:
        with pytest.raises(ConfigInvalid) as caught:
            _load(tmp_path, where, key, text)
        message = str(caught.value)
        assert key in message and said in message and f"accepted: {RANGES[key].text}" in message, message
        assert classify(caught.value)[:2] == (ExitCode.USAGE, "CONFIG_INVALID")


@pytest.mark.parametrize(("key", "low", "high"), [("script_timeout", 0.001, 3600), ("read_timeout", 0.5, 600),
                                                  ("reads_per_minute", 0, 300), ("read_attempts", 1, 20),
                                                  ("lock_wait", 0, 300)])
def test_the_ends_of_each_range_are_accepted(tmp_path: Path, key: str, low: float, high: float) -> None:
    for value in (low, high):
        config = load_config({**ENDPOINT, key: value}, {}, tmp_path, require=())
        assert getattr(config, key) == value


def test_the_defaults_are_inside_their_ranges(tmp_path: Path) -> None:
    config = load_config({}, {}, tmp_path, require=())
    for key, accepted in RANGES.items():
        assert accepted.accepts(getattr(config, key)), key


def test_allow_foreign_endpoint_from_each_source(tmp_path: Path) -> None:
    assert load_config({}, {}, tmp_path, require=()).allow_foreign_endpoint is False
    assert load_config({"allow_foreign_endpoint": True}, {}, tmp_path, require=()).allow_foreign_endpoint
    assert load_config({}, {"ZEUES_ALLOW_FOREIGN_ENDPOINT": "1"}, tmp_path, require=()).allow_foreign_endpoint
    (tmp_path / CONFIG_FILE).write_text("allow_foreign_endpoint = true\n", encoding="utf-8")
    assert load_config({}, {}, tmp_path, require=()).allow_foreign_endpoint
    with pytest.raises(ConfigInvalid, match="allow_foreign_endpoint \\(from env ZEUES_ALLOW_FOREIGN_ENDPOINT\\)"):
        load_config({}, {"ZEUES_ALLOW_FOREIGN_ENDPOINT": "perhaps"}, tmp_path, require=())
