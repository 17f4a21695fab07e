"""Configuration: flags > environment (`ZEUES_*`) > `zeues-migrate.toml` > defaults.

The toml file is `--config FILE` (or `ZEUES_CONFIG`), else `zeues-migrate.toml` in the current directory if
there is one; its keys are the field names below. Relative paths are relative to where they were written:
the current directory for flags and environment, the file's folder for the toml file. An empty environment
variable counts as unset. `Config.source` says where every value came from, for `doctor`.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

CONFIG_FILE = "zeues-migrate.toml"
CONFIG_FLAG, CONFIG_ENV = "--config", "ZEUES_CONFIG"
ADC = "adc"  # `credentials = "adc"`: Application Default Credentials instead of a file
APPS_SCRIPT_EXECUTION_LIMIT = 360.0  # seconds


class Setting(BaseModel):
    """How one setting is spelled in each place it can come from."""

    model_config = ConfigDict(frozen=True)

    flag: str
    env: str
    key: str  # the toml key

    def spellings(self) -> str:
        return f"{self.flag}, environment variable {self.env}, or `{self.key} = ...` in {CONFIG_FILE}"


SETTINGS: dict[str, Setting] = {
    name: Setting(flag="--" + name.replace("_", "-"), env=env, key=name)
    for name, env in [
        ("spreadsheet_id", "ZEUES_SPREADSHEET_ID"),
        ("deployment_id", "ZEUES_DEPLOYMENT_ID"),
        ("credentials", "ZEUES_CREDENTIALS"),
        ("endpoint", "ZEUES_GOOGLE_ENDPOINT"),
        ("checkpoint_dir", "ZEUES_CHECKPOINT_DIR"),
        ("script_timeout", "ZEUES_SCRIPT_TIMEOUT"),
        ("read_timeout", "ZEUES_READ_TIMEOUT"),
        ("reads_per_minute", "ZEUES_READS_PER_MINUTE"),
        ("read_attempts", "ZEUES_READ_ATTEMPTS"),
        ("lock_wait", "ZEUES_LOCK_WAIT"),
        ("allow_foreign_endpoint", "ZEUES_ALLOW_FOREIGN_ENDPOINT"),
    ]
}
REQUIRED = ("spreadsheet_id", "deployment_id", "credentials")
_PATH_SETTINGS = ("credentials", "checkpoint_dir")


class ConfigError(ValueError):
    """The configuration is incomplete or invalid; the message names the flag, variable and toml key."""


class ConfigInvalid(ConfigError):
    """A value is of the wrong kind or outside its accepted range (CONFIG_INVALID): the message names the key,
    where the value came from and what is accepted."""


@dataclass(frozen=True)
class Range:
    """The accepted values of a number setting: finite, from `low` (excluded when `low_open`) to `high`."""

    low: float
    high: float
    low_open: bool
    text: str

    def accepts(self, value: float) -> bool:
        return math.isfinite(value) and (value > self.low if self.low_open else value >= self.low) \
            and value <= self.high


# inf, nan or 1e308 would reach requests' timeouts and the read limiter as they are: refused here, by name.
RANGES: dict[str, Range] = {
    "script_timeout": Range(0, 3600, True, "seconds, more than 0 and at most 3600 (against Google above 360)"),
    "read_timeout": Range(0, 600, True, "seconds, more than 0 and at most 600"),
    "reads_per_minute": Range(0, 300, False, "0 (no pacing: the emulator only), or from 2 to 300"),
    "read_attempts": Range(1, 20, False, "a whole number from 1 to 20"),
    "lock_wait": Range(0, 300, False, "seconds, from 0 to 300"),
}


class Source(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Literal["flag", "env", "toml", "default"]
    name: str  # the flag, the variable, `FILE: key`, or `default`

    def __str__(self) -> str:
        return self.name if self.kind == "default" else f"{self.kind} {self.name}"


class Config(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    spreadsheet_id: str | None = None
    deployment_id: str | None = Field(default=None, description="the API-executable deployment id (AKfycb...)")
    credentials: str | None = Field(default=None, description="authorized-user JSON file, or `adc`")
    endpoint: str | None = Field(default=None, description="base URL serving every Google API (the emulator)")
    checkpoint_dir: Path = Path(".zeues-migrate")
    script_timeout: float = Field(default=420.0, description="HTTP read timeout of scripts.run, seconds")
    read_timeout: float = Field(default=120.0, description="HTTP read timeout of reads, seconds")
    reads_per_minute: float = Field(default=50.0, description=(
        "at most this many reads in any 60 s, all usable at once (Google allows 60 per user); 0 = none (emulator only)"))
    read_attempts: int = Field(default=8, description="tries per read, first one included")
    lock_wait: float = Field(default=30.0, description=(
        "seconds a bridge change waits for the script lock another run holds (the bridge's lockWaitMs)"))
    allow_foreign_endpoint: bool = Field(default=False, description=(
        "send a Google token to an endpoint that is not Google's (a warning is printed); never over plain http "
        "to another machine"))
    config_file: Path | None = None
    source: dict[str, Source] = Field(default_factory=dict)

    @field_validator("spreadsheet_id", "deployment_id")
    @classmethod
    def _an_id(cls, value: str | None) -> str | None:
        if value is not None and (not value.strip() or any(c.isspace() for c in value.strip())):
            raise ValueError(f"{value!r} is not an id (empty, or has spaces inside)")
        return value.strip() if value is not None else None

    @field_validator("endpoint")
    @classmethod
    def _a_base_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value.rstrip("/")

    @field_validator(*RANGES)
    @classmethod
    def _in_range(cls, value: float, info: ValidationInfo) -> float:
        accepted = RANGES[str(info.field_name)]
        if not accepted.accepts(value):
            raise ValueError(f"{value!r} is outside the accepted range")
        return value

    @field_validator("script_timeout")
    @classmethod
    def _outlasts_the_script(cls, value: float, info: ValidationInfo) -> float:
        # Against Google a shorter timeout loses the reply of a run that is still going; the emulator's
        # execution limit is configurable, so tests may go lower there.
        if info.data.get("endpoint") is None and value <= APPS_SCRIPT_EXECUTION_LIMIT:
            raise ValueError(f"{value:g} s must be above Apps Script's {APPS_SCRIPT_EXECUTION_LIMIT:g} s "
                             "execution limit, or the reply of a long run is lost while it still runs")
        return value

    @field_validator("reads_per_minute")
    @classmethod
    def _pacing(cls, value: float) -> float:
        if 0 < value < 2:
            raise ValueError("must be 0 (no pacing: the emulator only) or at least 2")
        return value

    @property
    def uses_adc(self) -> bool:
        return self.credentials is not None and self.credentials.lower() == ADC


def load_config(flags: Mapping[str, object | None], env: Mapping[str, str], cwd: Path,
                *, require: Collection[str] = REQUIRED) -> Config:
    """The configuration from flags (None = not given), the environment and the toml file, checked.

    `require` names the settings this command cannot do without. An endpoint override needs credentials as
    Google does: the emulator checks every call's token (it mints a file: `python -m orchestrator.emulator`).
    """
    unknown = set(flags) - set(SETTINGS) - {"config"}
    if unknown:
        raise ValueError(f"unknown configuration flags: {sorted(unknown)}")  # a programming error, not the user's
    config_file, table = _read_toml(flags, env, cwd)
    values: dict[str, Any] = {}
    source: dict[str, Source] = {}
    for name, setting in SETTINGS.items():
        flag_value, env_value = flags.get(name), env.get(setting.env, "")
        if flag_value is not None:
            value, where, base = flag_value, Source(kind="flag", name=setting.flag), cwd
        elif env_value.strip():
            value, where, base = env_value.strip(), Source(kind="env", name=setting.env), cwd
        elif name in table:
            assert config_file is not None
            value, where, base = table[name], Source(kind="toml", name=f"{config_file}: {name}"), config_file.parent
        else:
            source[name] = Source(kind="default", name="default")
            continue
        values[name] = _resolve_path(name, value, base)
        source[name] = where
    if "checkpoint_dir" not in values:
        values["checkpoint_dir"] = cwd / Config.model_fields["checkpoint_dir"].default
    try:
        config = Config.model_validate({**values, "config_file": config_file, "source": source})
    except ValidationError as exc:
        raise ConfigInvalid(_explain(exc, source)) from None
    missing = [name for name in require
               if getattr(config, name) is None]
    if missing:
        lines = [f"  {name}: give {SETTINGS[name].spellings()}" for name in missing]
        hint = ""
        if "deployment_id" in missing:
            hint += "\nThe deployment id is the bridge's API-executable deployment (AKfycb...), not the script id."
        if "credentials" in missing:
            hint += ("\nCredentials: an authorized-user JSON file (a user OAuth refresh token), or `adc` for "
                     "Application Default Credentials; against the emulator, the file `python -m "
                     "orchestrator.emulator` prints (it checks tokens as Google does).")
        raise ConfigError("missing configuration:\n" + "\n".join(lines) + hint)
    return config


def _read_toml(flags: Mapping[str, object | None], env: Mapping[str, str],
               cwd: Path) -> tuple[Path | None, dict[str, Any]]:
    explicit = flags.get("config") or env.get(CONFIG_ENV, "").strip() or None
    if explicit is not None:
        path = _absolute(Path(str(explicit)).expanduser(), cwd)
        if not path.is_file():
            said = CONFIG_FLAG if flags.get("config") else CONFIG_ENV
            raise ConfigError(f"configuration file {path} (from {said}) does not exist")
    else:
        path = cwd / CONFIG_FILE
        if not path.is_file():
            return None, {}
    try:
        with path.open("rb") as handle:
            table = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigInvalid(f"{path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path} cannot be read: {exc}") from None
    unknown = sorted(set(table) - set(SETTINGS))
    if unknown:
        raise ConfigInvalid(f"{path}: unknown key(s) {', '.join(unknown)}; known keys: {', '.join(SETTINGS)}")
    return path, table


def _absolute(path: Path, base: Path) -> Path:
    return path if path.is_absolute() else base / path


def _resolve_path(name: str, value: object, base: Path) -> object:
    if name not in _PATH_SETTINGS or not isinstance(value, (str, Path)):
        return value
    if name == "credentials" and str(value).strip().lower() == ADC:
        return ADC
    resolved = _absolute(Path(value).expanduser(), base)
    return str(resolved) if name == "credentials" else resolved


def _explain(exc: ValidationError, source: Mapping[str, Source]) -> str:
    lines = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        setting = SETTINGS.get(field)
        where = f" (from {source[field]})" if field in source else ""
        how = f"; set it with {setting.spellings()}" if setting else ""
        accepted = f" (accepted: {RANGES[field].text})" if field in RANGES else ""
        message = str(error["msg"]).removeprefix("Value error, ")
        lines.append(f"  {field or 'configuration'}{where}: {message}{accepted}{how}")
    return "invalid configuration:\n" + "\n".join(lines)
