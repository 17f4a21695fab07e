"""Talking to a running emulator from tests: the bridge over `scripts.run`, the workbook over Sheets v4 with
google-api-python-client (a real third-party client, pointed at the emulator by its base URL)."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import requests
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build

from orchestrator.google.scopes import REQUIRED_SCOPES


class BridgeError(Exception):
    def __init__(self, message: str, error_type: str, code: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.error_type = error_type
        self.code = code


def op_id() -> str:
    return uuid.uuid4().hex


@dataclass
class Live:
    url: str
    deployment_id: str
    token: str | None = None  # scripts.run needs one: by default the emulator mints one with the tool's scopes

    def __post_init__(self) -> None:
        if self.token is None:
            minted = requests.post(f"{self.url}/_emulator/credentials", json={"scopes": list(REQUIRED_SCOPES)},
                                   timeout=30)
            minted.raise_for_status()
            self.token = str(minted.json()["token"])
        self.sheets = build("sheets", "v4", credentials=Credentials(token=self.token),  # type: ignore[no-untyped-call]
                            cache_discovery=False,
                            static_discovery=True, client_options={"api_endpoint": self.url})

    # -- the bridge -------------------------------------------------------------------------------------
    def run(self, function: str, request: dict[str, Any] | None = None) -> Any:
        """Call a bridge function; a script error raises BridgeError with the ZEUES code."""
        body: dict[str, Any] = {"function": function, "devMode": False}
        if request is not None:
            body["parameters"] = [request]
        reply = requests.post(f"{self.url}/v1/scripts/{self.deployment_id}:run", json=body, timeout=400,
                              headers={"Authorization": f"Bearer {self.token}"})
        reply.raise_for_status()
        operation = reply.json()
        if "error" in operation:
            detail = operation["error"]["details"][0]
            message = detail["errorMessage"]
            match = re.match(r"^(?:Exception: |Error: )?(ZEUES_[A-Z_]+):", message)
            raise BridgeError(message, detail.get("errorType", ""), match.group(1) if match else None)
        return operation["response"].get("result")

    # -- the workbook -----------------------------------------------------------------------------------
    def snapshot(self, spreadsheet_id: str) -> dict[str, Any]:
        """Everything observable: every sheet with grid data, and all developer metadata."""
        full = self.sheets.spreadsheets().get(spreadsheetId=spreadsheet_id, includeGridData=True).execute()
        return json.loads(json.dumps(full, sort_keys=True))  # type: ignore[no-any-return]

    def values(self, spreadsheet_id: str, a1: str, render: str = "UNFORMATTED_VALUE") -> list[list[Any]]:
        got = self.sheets.spreadsheets().values().get(spreadsheetId=spreadsheet_id, range=a1,
                                                      valueRenderOption=render).execute()
        return got.get("values", [])  # type: ignore[no-any-return]

    def header(self, spreadsheet_id: str, sheet: str) -> list[str]:
        rows = self.values(spreadsheet_id, f"'{sheet}'!1:1", "FORMATTED_VALUE")
        return [str(v) for v in rows[0]] if rows else []

    def update(self, spreadsheet_id: str, a1: str, rows: list[list[Any]], option: str = "USER_ENTERED") -> None:
        self.sheets.spreadsheets().values().update(spreadsheetId=spreadsheet_id, range=a1, valueInputOption=option,
                                                   body={"values": rows}).execute()

    def append(self, spreadsheet_id: str, a1: str, rows: list[list[Any]]) -> None:
        self.sheets.spreadsheets().values().append(spreadsheetId=spreadsheet_id, range=a1,
                                                   valueInputOption="USER_ENTERED", body={"values": rows}).execute()

    def batch_update(self, spreadsheet_id: str, requests_: list[dict[str, Any]]) -> dict[str, Any]:
        return self.sheets.spreadsheets().batchUpdate(  # type: ignore[no-any-return]
            spreadsheetId=spreadsheet_id, body={"requests": requests_}).execute()

    def metadata(self, spreadsheet_id: str, key: str) -> list[dict[str, Any]]:
        found = self.sheets.spreadsheets().developerMetadata().search(
            spreadsheetId=spreadsheet_id,
            body={"dataFilters": [{"developerMetadataLookup": {"metadataKey": key}}]}).execute()
        return [m["developerMetadata"] for m in found.get("matchedDeveloperMetadata", [])]

    def grid(self, spreadsheet_id: str, sheet: str) -> dict[str, int]:
        got = self.sheets.spreadsheets().get(spreadsheetId=spreadsheet_id,
                                             fields="sheets.properties(title,gridProperties)").execute()
        for s in got["sheets"]:
            if s["properties"]["title"] == sheet:
                return s["properties"]["gridProperties"]  # type: ignore[no-any-return]
        raise KeyError(sheet)

    def sheet_id(self, spreadsheet_id: str, sheet: str) -> int:
        got = self.sheets.spreadsheets().get(spreadsheetId=spreadsheet_id, fields="sheets.properties").execute()
        return next(int(s["properties"].get("sheetId", 0)) for s in got["sheets"] if s["properties"]["title"] == sheet)

    def sheet_titles(self, spreadsheet_id: str) -> list[str]:
        got = self.sheets.spreadsheets().get(spreadsheetId=spreadsheet_id, fields="sheets.properties.title").execute()
        return [s["properties"]["title"] for s in got["sheets"]]
