"""Start and stop the local Google emulator (`emulator/server.js`) for tests, the demo and `rehearse`.

    with running_emulator(data_dir, script_dir) as emu:
        sheets = build("sheets", "v4", ..., client_options={"api_endpoint": emu.url})
        spreadsheet_id = emu.create_spreadsheet(resource_or_path)

The emulator speaks Google's wire protocol on 127.0.0.1; nothing else here knows it is not Google.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import shutil
import signal
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from orchestrator.google.drive import BACKUP_MARKER
from orchestrator.google.scopes import REQUIRED_SCOPES

REPO_ROOT = Path(__file__).resolve().parent.parent
OWNER_SCOPES = ("https://www.googleapis.com/auth/spreadsheets", "https://www.googleapis.com/auth/drive")
SERVER_JS = REPO_ROOT / "emulator" / "server.js"
STARTUP_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 60.0


class EmulatorError(RuntimeError):
    """The emulator failed to start, or a control call failed."""


class Emulator:
    """A running emulator process and its control surface (`/_emulator/...`)."""

    def __init__(self, process: subprocess.Popen[bytes], url: str, deployment_id: str, data_dir: Path) -> None:
        self.process = process
        self.url = url
        self.deployment_id = deployment_id
        self.data_dir = data_dir
        self._owner_token: str | None = None

    # -- plumbing -----------------------------------------------------------------------------------------
    def _request(self, method: str, path: str, body: bytes | IO[bytes] | None = None, timeout: float = 600.0,
                 length: int | None = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if not path.startswith("/_emulator/"):  # Google's APIs refuse a call without a token; so does the emulator
            headers["Authorization"] = f"Bearer {self.owner_token()}"
        if length is not None:  # a file body is sent in blocks as it is read, never whole in memory
            headers["Content-Length"] = str(length)
        request = urllib.request.Request(self.url + path, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                payload = response.read()
        except urllib.error.HTTPError as error:
            raise EmulatorError(f"{method} {path} failed: HTTP {error.code}: {error.read().decode(errors='replace')}")
        return json.loads(payload) if payload else None

    def _post(self, path: str, spec: dict[str, Any]) -> Any:
        return self._request("POST", path, json.dumps(spec).encode())

    # -- data -----------------------------------------------------------------------------------------------
    def create_spreadsheet(self, resource: dict[str, Any] | Path, bind_script: bool = True) -> str:
        """`spreadsheets.create` with a `Spreadsheet` resource (a dict, or a JSON file streamed as is). Google's
        create makes a spreadsheet with no script; `bind_script` then binds the emulator's project to it, as the
        production sheet has the bridge bound (False: a plain spreadsheet, where a menu run fails)."""
        if isinstance(resource, Path):
            with resource.open("rb") as stream:
                created = self._request("POST", "/v4/spreadsheets", stream, length=resource.stat().st_size)
        else:
            created = self._request("POST", "/v4/spreadsheets", json.dumps(resource).encode())
        spreadsheet_id = str(created["spreadsheetId"])
        if bind_script:
            self.bind_script(spreadsheet_id)
        return spreadsheet_id

    def bind_script(self, spreadsheet_id: str, bound: bool = True) -> str | None:
        """Bind a new script project to the spreadsheet (the emulator runs its one project's code in it), or
        remove its binding; returns the project id (None when unbound). Copies carry their own."""
        result: dict[str, Any] = self._post("/_emulator/bind", {"spreadsheetId": spreadsheet_id, "bound": bound})
        return str(result["scriptId"]) if result.get("scriptId") else None

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = self._request("GET", "/_emulator/state")
        return result

    def spreadsheets(self) -> list[dict[str, str]]:
        """Every spreadsheet the emulator holds, newest first: Drive's `id`, `name` and `createdTime`."""
        files: list[dict[str, str]] = []
        token = ""
        while True:
            query = urllib.parse.urlencode({"q": "trashed = false", "orderBy": "createdTime desc", "pageSize": 1000,
                                            "fields": "nextPageToken,files(id,name,createdTime)",
                                            **({"pageToken": token} if token else {})})
            page: dict[str, Any] = self._request("GET", f"/drive/v3/files?{query}")
            files += [{k: str(f.get(k, "")) for k in ("id", "name", "createdTime")} for f in page.get("files", [])]
            token = str(page.get("nextPageToken") or "")
            if not token:
                return files

    def flush(self) -> None:
        self._post("/_emulator/flush", {})

    # -- OAuth ----------------------------------------------------------------------------------------------
    def authorized_user(self, scopes: tuple[str, ...] | list[str] = REQUIRED_SCOPES,
                        email: str | None = None) -> dict[str, Any]:
        """An authorized-user JSON whose token carries `scopes` (emulator/auth.js: the token format), as the
        consent of `zeues-migrate`'s scopes would give; the emulator checks them on every call."""
        spec: dict[str, Any] = {"scopes": list(scopes)}
        if email:
            spec["email"] = email
        info: dict[str, Any] = self._post("/_emulator/credentials", spec)
        return info

    def access_token(self, scopes: tuple[str, ...] | list[str] = REQUIRED_SCOPES) -> str:
        return str(self.authorized_user(scopes)["token"])

    def owner_token(self) -> str:
        """A token of the owner with every Sheets and Drive scope, for test helpers' own REST calls."""
        if self._owner_token is None:
            self._owner_token = self.access_token(OWNER_SCOPES)
        return self._owner_token

    def credentials_file(self, path: Path | None = None,
                         scopes: tuple[str, ...] | list[str] = REQUIRED_SCOPES) -> Path:
        """Write an authorized-user file (0600: it is a credential, if only a local one) and return its path;
        `<data>/credentials.json` by default."""
        path = path or self.data_dir / "credentials.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed over: a CLI process reading the file while another thread rewrites it sees
        # the old file or the new one, never a truncated one.
        partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            json.dump(self.authorized_user(scopes), stream)
        os.replace(partial, path)
        return path

    # -- control --------------------------------------------------------------------------------------------
    def fault(self, **spec: Any) -> None:
        """Next `count` requests matching `path` (a regex) fail with `status`, drop, or wait `latencyMs`;
        `afterValidation=True` makes the next batchUpdates fail after validation."""
        self._post("/_emulator/faults", spec)

    def script_control(self, **spec: Any) -> None:
        """`executionLimitMs`, `hang=True` (next run hangs until the limit), `loseReply=N`."""
        self._post("/_emulator/script", spec)

    def request_limit(self, ms: int) -> None:
        """Time limit of a Sheets/Drive request (Google's is 180 s): a request held longer (e.g. by a latency
        fault) answers 503 UNAVAILABLE, its write applied. 0 restores the configured limit; so does `reset()`."""
        self._post("/_emulator/request-limit", {"limitMs": ms})

    def menu_run(self, spreadsheet_id: str, function: str, ui_answers: list[str] | None = None,
                 parameters: list[Any] | None = None, user_email: str | None = None) -> dict[str, Any]:
        """Run `function` as a menu run bound to the spreadsheet; alerts take `ui_answers` in order. The run is
        that of `user_email` clicking the item (the spreadsheet's owner when None). The outcome's `dialogs` are the
        sidebars and dialogs it showed, each with the `url` of its page."""
        body: dict[str, Any] = {"spreadsheetId": spreadsheet_id, "function": function, "uiAnswers": ui_answers or [],
                                "parameters": parameters or []}
        if user_email is not None:
            body["userEmail"] = user_email
        result: dict[str, Any] = self._post("/_emulator/menu-run", body)
        return result

    def dialogs(self) -> list[dict[str, Any]]:
        """The sidebars and dialogs open now (`GET /_emulator/ui`): `id`, `kind` (sidebar|modal|modeless),
        `title`, `spreadsheetId`, `userEmail`, `url` (the page, for a browser) and `openedAt`."""
        result: list[dict[str, Any]] = self._request("GET", "/_emulator/ui")
        return result

    def reset(self) -> None:
        """Clear faults, latency, script settings and the Google-like profile (not the data)."""
        self._post("/_emulator/reset", {})

    def profile(self, name: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """Switch the Google-like profile (`emulator/profile.js`: Google's per-minute Sheets quotas and a latency
        per call kind) to `name` (`"google"`, or `"off"`), with `overrides` laid over its figures, e.g.
        `{"quota": {"readPerMinutePerUser": 30}, "latencyScale": 0}`. Counters start from zero; the answer holds
        them and the figures in force (`settings`); `state()["profile"]` has the counts as the run goes."""
        result: dict[str, Any] = self._post("/_emulator/profile", {"name": name, "overrides": overrides or {}})
        return result

    # -- process --------------------------------------------------------------------------------------------
    @property
    def pid(self) -> int:
        return self.process.pid

    def peak_rss_kib(self) -> int | None:
        """The node process's peak resident set so far (Linux VmHWM), for the benchmark; None elsewhere."""
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return None
        line = next((ln for ln in status.splitlines() if ln.startswith("VmHWM:")), None)
        return int(line.split()[1]) if line else None

    def stop(self) -> int:
        """SIGTERM (the emulator persists and exits 0); returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return int(self.process.returncode)

    def kill(self) -> None:
        """SIGKILL, for crash tests."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        raise EmulatorError("node is not on PATH; the emulator needs Node 20+")
    return node


def start_emulator(data_dir: Path, script_dir: Path | None = None, deployment_id: str | None = None,
                   port: int = 0, extra_args: list[str] | None = None, profile: str | None = None,
                   profile_overrides: dict[str, Any] | None = None) -> Emulator:
    """Start an emulator process and wait for its ready line; `profile` (e.g. "google") switches the Google-like
    profile on from the start (`Emulator.profile` does it later; `reset()` turns it off)."""
    if not SERVER_JS.is_file() or (script_dir is not None and not Path(script_dir).is_dir()):
        # An installed package has neither: the emulator (Node) and the bridge sources live in the checkout.
        raise EmulatorError(f"the emulator and the bridge sources are part of the source checkout ({SERVER_JS} "
                            "is missing): run this from a clone of zeues-migrate (`python3 tasks.py setup`)")
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    cmd = [_node(), str(SERVER_JS), "--port", str(port), "--data", str(data_dir)]
    if script_dir is not None:
        cmd += ["--script", str(script_dir)]
    if deployment_id:
        cmd += ["--deployment-id", deployment_id]
    if profile:
        cmd += ["--profile", profile]
        if profile_overrides:
            cmd += ["--profile-overrides", json.dumps(profile_overrides)]
    cmd += extra_args or []
    log: IO[bytes] = open(data_dir / "emulator.log", "ab")  # noqa: SIM115 - lives as long as the process
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, cwd=REPO_ROOT,
                               env={**os.environ, "NODE_OPTIONS": os.environ.get("NODE_OPTIONS", "")})
    log.close()
    assert process.stdout is not None
    line: list[bytes] = []
    reader = threading.Thread(target=lambda: line.append(process.stdout.readline() if process.stdout else b""),
                              daemon=True)
    reader.start()
    reader.join(STARTUP_TIMEOUT_S)
    if not line or not line[0]:
        process.kill()
        process.wait()
        tail = (data_dir / "emulator.log").read_text(errors="replace")[-2000:]
        raise EmulatorError(f"emulator did not start within {STARTUP_TIMEOUT_S:.0f} s:\n{tail}")
    ready = json.loads(line[0])
    return Emulator(process, str(ready["url"]), str(ready["deploymentId"]), data_dir)


@contextmanager
def running_emulator(data_dir: Path, script_dir: Path | None = None,
                     deployment_id: str | None = None) -> Iterator[Emulator]:
    """A started emulator, stopped (SIGTERM, state persisted) on exit."""
    emulator = start_emulator(data_dir, script_dir, deployment_id)
    try:
        yield emulator
    finally:
        emulator.stop()


# -- `python -m orchestrator.emulator`: a running emulator with workbooks loaded, for trying the CLI by hand ----

def argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m orchestrator.emulator",
        description="Run the local Google emulator with the real bridge and load workbooks into it "
                    "(`zeues-migrate workbook -o FILE` writes one). Prints one JSON line (url, deploymentId, "
                    "spreadsheetIds) on stdout and the ZEUES_* settings to use on stderr; Ctrl-C stops it.")
    parser.add_argument("--data", type=Path, required=True, help="folder that keeps the emulator's state")
    parser.add_argument("--script", type=Path, default=REPO_ROOT / "appsscript",
                        help="Apps Script project to run (default: this checkout's appsscript/)")
    parser.add_argument("--load", type=Path, action="append", default=[], metavar="FILE",
                        help="a Spreadsheet resource file to create (repeatable)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    return parser


def spreadsheet_lines(files: list[dict[str, str]], loaded: dict[str, str], data: Path) -> list[str]:
    """The ZEUES_SPREADSHEET_ID lines: ONE export, of the main live spreadsheet (the first loaded now, else the
    newest live one), then the other live ones and the bridge's backups apart, as shell comments: pasting the
    whole block never selects a backup. `files` newest first (Emulator.spreadsheets), `loaded` id -> file."""
    backups = [f for f in files if BACKUP_MARKER in f["name"]]
    live = [f for f in files if f not in backups]
    order = list(loaded)  # loaded now first, in --load order; then the others, newest first (a stable sort)
    live.sort(key=lambda f: order.index(f["id"]) if f["id"] in loaded else len(order))
    lines: list[str] = []
    if live:
        main_sheet, *others = live
        lines.append(f"  export ZEUES_SPREADSHEET_ID={main_sheet['id']}    # "
                     f"{loaded.get(main_sheet['id']) or _described(main_sheet)}")
        if others:
            lines.append(f"  # other live spreadsheets in {data} (to use one, export its id instead):")
            lines += [f"  #   {f['id']}    {loaded.get(f['id']) or _described(f)}" for f in others]
    else:
        lines.append(f"  # no live spreadsheet in {data}: load a workbook with --load FILE")
    if backups:
        lines.append(f"  # backups the bridge made ({len(backups)}, newest first): copies, never the sheet to migrate; "
                     "`zeues-migrate backups` lists them, `zeues-migrate restore ID` takes their ids:")
        lines += [f"  #   {f['id']}    {_backup_described(f)}" for f in backups]
    return lines


def _described(file: dict[str, str]) -> str:
    return f"{file['name']} (created {file['createdTime']})" if file.get("createdTime") else file["name"]


def _backup_described(file: dict[str, str]) -> str:
    """`backup before 3.0 <stamp> #op, of <title>`: what it is first, the long title after."""
    title, _, label = file["name"].partition(BACKUP_MARKER)
    return f"backup {label}, of {title!r}"


def main(argv: list[str] | None = None) -> int:
    """Start the emulator on the real bridge, load workbook files into it, print how to reach it, and keep it
    running until Ctrl-C (or SIGTERM); the data stays in --data for the next start."""
    parser = argument_parser()
    args = parser.parse_args(argv)
    for path in args.load:
        if not path.is_file():
            parser.error(f"--load {path}: no such file")

    def stop_on_sigterm(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop_on_sigterm)
    args.data, args.script = args.data.resolve(), args.script.resolve()
    emulator = start_emulator(args.data, args.script, port=args.port)
    try:
        ids = [emulator.create_spreadsheet(path) for path in args.load]
        print(json.dumps({"url": emulator.url, "deploymentId": emulator.deployment_id, "spreadsheetIds": ids}),
              flush=True)
        lines = [f"Emulator running at {emulator.url} with the bridge of {args.script}; state in {args.data}.",
                 "In another terminal:",
                 f"  export ZEUES_GOOGLE_ENDPOINT={emulator.url}",
                 f"  export ZEUES_DEPLOYMENT_ID={emulator.deployment_id}",
                 f"  export ZEUES_CREDENTIALS={emulator.credentials_file()}",
                 "  export ZEUES_READS_PER_MINUTE=0"]
        lines += spreadsheet_lines(emulator.spreadsheets(), dict(zip(ids, (str(p) for p in args.load))), args.data)
        lines.append("Ctrl-C stops it (the data is kept: start it again with the same --data).")
        print("\n".join(lines), file=sys.stderr, flush=True)
        emulator.process.wait()
        return int(emulator.process.returncode or 0)
    except KeyboardInterrupt:
        return 0
    finally:
        emulator.stop()


if __name__ == "__main__":
    raise SystemExit(main())
