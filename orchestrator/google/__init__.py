"""The Google clients: Sheets reads, Drive reads and the bridge's `scripts.run`, from one configuration.

Services are built from the discovery documents bundled with google-api-python-client (no discovery fetch,
no cache file), trimmed to the methods used, over `RequestsHttp`. With an endpoint override every API goes to
that base URL. googleapiclient then uses `api_endpoint` *instead of* rootUrl + servicePath and appends each method's
path to it (discovery.build_from_document, `_urljoin`), so the override must end where servicePath would:

| API       | rootUrl + servicePath             | method path                          | override           |
|-----------|-----------------------------------|--------------------------------------|--------------------|
| sheets v4 | https://sheets.googleapis.com/    | v4/spreadsheets/{id}/values:batchGet | BASE/              |
| script v1 | https://script.googleapis.com/    | v1/scripts/{scriptId}:run            | BASE/              |
| drive v3  | https://www.googleapis.com/drive/v3/ | files                             | BASE/drive/v3/     |
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Callable
from functools import cache, cached_property
from types import TracebackType
from typing import Any

from googleapiclient.discovery import build_from_document
from googleapiclient.discovery_cache import get_static_doc

from orchestrator.config import Config, ConfigError
from orchestrator.google.auth import LoadedCredentials, guard_endpoint, load_credentials
from orchestrator.google.drive import DriveClient
from orchestrator.google.errors import Api
from orchestrator.google.pacing import ReadExecutor, RetryPolicy, WindowLimiter
from orchestrator.google.script import ScriptClient, new_op_id
from orchestrator.google.sheets import ChunkPolicy, SheetsReader
from orchestrator.google.stats import ApiStats
from orchestrator.google.transport import RequestsHttp

__all__ = ["ApiStats", "GoogleClients", "ScriptClient", "SheetsReader", "DriveClient", "endpoints", "new_op_id"]

_VERSIONS: dict[Api, str] = {"sheets": "v4", "drive": "v3", "script": "v1"}


def endpoints(base: str) -> dict[Api, str]:
    """The `api_endpoint` of each API for an override base URL (see the module docstring)."""
    root = base.rstrip("/")
    return {"sheets": f"{root}/", "script": f"{root}/", "drive": f"{root}/drive/v3/"}


# The only methods the orchestrator calls (it reads; the bridge writes). googleapiclient builds every method of
# a resource on first use, docstrings pretty-printed from the schemas: for Sheets ~0.3 s and ~65 MiB per
# process spent on methods never called. Building from the bundled document trimmed to these avoids that, and
# leaves these clients no way to write cells.
USED_METHODS: dict[Api, dict[str, frozenset[str]]] = {
    "sheets": {"spreadsheets": frozenset({"get"}), "values": frozenset({"batchGet"}),
               "developerMetadata": frozenset({"search"})},
    "drive": {"files": frozenset({"list", "get"})},
    "script": {"scripts": frozenset({"run"})},
}


def _trim(resource: dict[str, Any], used: dict[str, frozenset[str]]) -> None:
    for name, sub in resource.get("resources", {}).items():
        sub["methods"] = {k: v for k, v in sub.get("methods", {}).items() if k in used.get(name, frozenset())}
        _trim(sub, used)


@cache
def discovery_document(api: Api) -> str:
    """The discovery document bundled with google-api-python-client, trimmed to USED_METHODS (no fetch)."""
    document = json.loads(get_static_doc(api, _VERSIONS[api]) or "{}")
    _trim(document, USED_METHODS[api])
    return json.dumps(document)


def build_service(api: Api, http: RequestsHttp, endpoint: str | None) -> Any:
    options = {"api_endpoint": endpoints(endpoint)[api]} if endpoint else None
    return build_from_document(discovery_document(api), http=http, client_options=options)


class GoogleClients:
    """`.sheets`, `.drive`, `.script` and their shared `.stats`; services are built on first use."""

    def __init__(self, config: Config, credentials: LoadedCredentials, *, sleep: Callable[[float], None] = time.sleep,
                 rand: Callable[[], float] = random.random, clock: Callable[[], float] = time.monotonic,
                 chunks: ChunkPolicy | None = None,
                 warn: Callable[[str], None] = lambda text: print(f"zeues-migrate: {text}", file=sys.stderr)) -> None:
        self.config = config
        self.credentials = credentials
        self.stats = ApiStats()
        self._sleep, self._rand, self._clock = sleep, rand, clock
        self._chunks = chunks
        self._policy = RetryPolicy(max_attempts=config.read_attempts)
        # ONE limiter for every read these clients make (Sheets and Drive, every reader built from them): the
        # quota is the user's, so no reader may spend it without the others knowing.
        self.limiter = WindowLimiter(config.reads_per_minute, clock=clock, sleep=sleep)
        self._https: list[RequestsHttp] = []
        self._warn = warn
        self._endpoint_checked = False

    @classmethod
    def from_config(cls, config: Config, **kwargs: Any) -> GoogleClients:
        """Load the credentials the configuration names and wrap them."""
        return cls(config, load_credentials(config.credentials), **kwargs)

    def _http(self, read_timeout: float) -> RequestsHttp:
        if not self._endpoint_checked:  # every client's token is attached by the http built here
            warning = guard_endpoint(self.config, self.credentials)
            self._endpoint_checked = True
            if warning:
                self._warn(warning)
        http = RequestsHttp(self.credentials.credentials, read_timeout=read_timeout)
        self._https.append(http)
        return http

    def _reader(self, api: Api) -> tuple[Any, ReadExecutor]:
        http = self._http(self.config.read_timeout)
        executor = ReadExecutor(api, http, self.limiter, self._policy, self.stats, sleep=self._sleep, rand=self._rand,
                                notify=self._warn)  # each retry said on stderr: a slow Google is not silence
        return build_service(api, http, self.config.endpoint), executor

    @cached_property
    def sheets(self) -> SheetsReader:
        service, executor = self._reader("sheets")
        return SheetsReader(service, executor, chunks=self._chunks)

    @cached_property
    def drive(self) -> DriveClient:
        service, executor = self._reader("drive")
        return DriveClient(service, executor)

    @cached_property
    def script(self) -> ScriptClient:
        """Raises before anything is sent when there is no deployment id or the credentials cannot run it."""
        if not self.config.deployment_id:
            raise ConfigError("no deployment id: give --deployment-id, ZEUES_DEPLOYMENT_ID or `deployment_id = ...` "
                              "in zeues-migrate.toml (the bridge's API-executable deployment, AKfycb...)")
        self.credentials.require_scripts_run()
        http = self._http(self.config.script_timeout)
        return ScriptClient(build_service("script", http, self.config.endpoint), http, self.config.deployment_id,
                            self.stats, self.limiter)

    def close(self) -> None:
        for http in self._https:
            http.close()
        self._https.clear()

    def __enter__(self) -> GoogleClients:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
