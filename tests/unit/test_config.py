from pathlib import Path

import pytest

from orchestrator.config import CONFIG_FILE, ConfigError, load_config

FLAGS_NONE: dict[str, object | None] = {"spreadsheet_id": None, "deployment_id": None, "credentials": None,
                                        "endpoint": None, "checkpoint_dir": None, "config": None}


def toml(folder: Path, text: str, name: str = CONFIG_FILE) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_flag_beats_env_beats_toml_beats_default(tmp_path: Path) -> None:
    toml(tmp_path, 'spreadsheet_id = "from-toml"\ndeployment_id = "AKfycb-toml"\ncredentials = "toml.json"\n'
                   "read_timeout = 30\n")
    env = {"ZEUES_SPREADSHEET_ID": "from-env", "ZEUES_DEPLOYMENT_ID": "AKfycb-env"}
    config = load_config(FLAGS_NONE | {"spreadsheet_id": "from-flag"}, env, tmp_path)
    assert config.spreadsheet_id == "from-flag" and config.source["spreadsheet_id"].kind == "flag"
    assert config.deployment_id == "AKfycb-env" and config.source["deployment_id"].kind == "env"
    assert config.credentials == str(tmp_path / "toml.json") and config.source["credentials"].kind == "toml"
    assert config.read_timeout == 30 and config.source["read_timeout"].kind == "toml"
    assert config.script_timeout == 420 and config.source["script_timeout"].kind == "default"
    assert config.config_file == tmp_path / CONFIG_FILE
    assert str(config.source["spreadsheet_id"]) == "flag --spreadsheet-id"
    assert str(config.source["deployment_id"]) == "env ZEUES_DEPLOYMENT_ID"
    assert str(config.source["credentials"]) == f"toml {tmp_path / CONFIG_FILE}: credentials"
    assert str(config.source["script_timeout"]) == "default"


def test_every_source_alone(tmp_path: Path) -> None:
    required = {"deployment_id": "AKfycb1", "credentials": "adc"}
    from_env = load_config(FLAGS_NONE | required, {"ZEUES_SPREADSHEET_ID": "E"}, tmp_path)
    assert (from_env.spreadsheet_id, from_env.source["spreadsheet_id"].kind) == ("E", "env")
    toml(tmp_path, 'spreadsheet_id = "T"\n')
    from_toml = load_config(FLAGS_NONE | required, {}, tmp_path)
    assert (from_toml.spreadsheet_id, from_toml.source["spreadsheet_id"].kind) == ("T", "toml")


def test_an_empty_environment_variable_counts_as_unset(tmp_path: Path) -> None:
    toml(tmp_path, 'spreadsheet_id = "T"\ndeployment_id = "AKfycb1"\ncredentials = "adc"\n')
    config = load_config(FLAGS_NONE, {"ZEUES_SPREADSHEET_ID": "  "}, tmp_path)
    assert config.spreadsheet_id == "T"


def test_missing_required_values_name_flag_env_and_toml_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(FLAGS_NONE, {}, tmp_path)
    message = str(caught.value)
    for flag, env, key in [("--spreadsheet-id", "ZEUES_SPREADSHEET_ID", "spreadsheet_id"),
                           ("--deployment-id", "ZEUES_DEPLOYMENT_ID", "deployment_id"),
                           ("--credentials", "ZEUES_CREDENTIALS", "credentials")]:
        assert flag in message and env in message and f"`{key} = ...`" in message
    assert "not the script id" in message


def test_an_endpoint_still_needs_credentials(tmp_path: Path) -> None:
    # The emulator checks tokens as Google does; its helper prints the file to use.
    with pytest.raises(ConfigError, match="credentials") as caught:
        load_config(FLAGS_NONE | {"spreadsheet_id": "S", "deployment_id": "AKfycb1"},
                    {"ZEUES_GOOGLE_ENDPOINT": "http://127.0.0.1:8123/"}, tmp_path)
    assert "python -m orchestrator.emulator" in str(caught.value)
    config = load_config(FLAGS_NONE | {"spreadsheet_id": "S", "deployment_id": "AKfycb1", "credentials": "t.json"},
                         {"ZEUES_GOOGLE_ENDPOINT": "http://127.0.0.1:8123/"}, tmp_path)
    assert config.endpoint == "http://127.0.0.1:8123" and config.source["endpoint"].kind == "env"


def test_require_can_be_narrowed(tmp_path: Path) -> None:
    config = load_config(FLAGS_NONE, {}, tmp_path, require=())
    assert config.spreadsheet_id is None and config.checkpoint_dir == tmp_path / ".zeues-migrate"


def test_paths_are_relative_to_where_they_were_written(tmp_path: Path) -> None:
    folder = tmp_path / "conf"
    folder.mkdir()
    path = toml(folder, 'credentials = "secrets/token.json"\ncheckpoint_dir = "runs"\n', "custom.toml")
    config = load_config(FLAGS_NONE | {"config": str(path)}, {}, tmp_path, require=())
    assert config.credentials == str(folder / "secrets" / "token.json") and config.checkpoint_dir == folder / "runs"
    config = load_config(FLAGS_NONE | {"config": str(path), "checkpoint_dir": "here"},
                         {"ZEUES_CREDENTIALS": "token.json"}, tmp_path, require=())
    assert config.credentials == str(tmp_path / "token.json") and config.checkpoint_dir == tmp_path / "here"
    assert load_config(FLAGS_NONE | {"credentials": "ADC"}, {}, tmp_path, require=()).uses_adc


def test_the_config_file_can_come_from_the_environment(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    path = toml(tmp_path / "elsewhere", 'spreadsheet_id = "X"\n', "settings.toml")
    config = load_config(FLAGS_NONE, {"ZEUES_CONFIG": str(path)}, tmp_path, require=())
    assert config.spreadsheet_id == "X" and config.config_file == path


def test_an_explicit_config_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(FLAGS_NONE | {"config": "missing.toml"}, {}, tmp_path)


def test_bad_toml_and_unknown_keys_name_the_file(tmp_path: Path) -> None:
    path = toml(tmp_path, "spreadsheet_id = \n")
    with pytest.raises(ConfigError, match=f"{path} is not valid TOML"):
        load_config(FLAGS_NONE, {}, tmp_path)
    toml(tmp_path, 'spreadsheet = "typo"\n')
    with pytest.raises(ConfigError, match="unknown key\\(s\\) spreadsheet; known keys"):
        load_config(FLAGS_NONE, {}, tmp_path)


def test_invalid_values_say_where_they_came_from(tmp_path: Path) -> None:
    base = FLAGS_NONE | {"spreadsheet_id": "S", "deployment_id": "AKfycb1", "credentials": "adc"}
    with pytest.raises(ConfigError, match="reads_per_minute \\(from env ZEUES_READS_PER_MINUTE\\)"):
        load_config(base, {"ZEUES_READS_PER_MINUTE": "lots"}, tmp_path)
    with pytest.raises(ConfigError, match="script_timeout .*must be above Apps Script's 360 s"):
        load_config(base, {"ZEUES_SCRIPT_TIMEOUT": "300"}, tmp_path)
    # the emulator's time limit is configurable, so a shorter timeout is fine there
    assert load_config(base | {"endpoint": "http://127.0.0.1:1"}, {"ZEUES_SCRIPT_TIMEOUT": "5"},
                       tmp_path).script_timeout == 5
    with pytest.raises(ConfigError, match="endpoint .*not an http"):
        load_config(base | {"endpoint": "127.0.0.1:8080"}, {}, tmp_path)
    with pytest.raises(ConfigError, match="spreadsheet_id .*not an id"):
        load_config(base | {"spreadsheet_id": "has space"}, {}, tmp_path)
    toml(tmp_path, "spreadsheet_id = 12345\n")
    with pytest.raises(ConfigError, match=f"spreadsheet_id \\(from toml {tmp_path / CONFIG_FILE}: spreadsheet_id\\)"):
        load_config(base | {"spreadsheet_id": None}, {}, tmp_path)


def test_unknown_flags_are_a_programming_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown configuration flags"):
        load_config({"spreadsheet": "x"}, {}, tmp_path)
