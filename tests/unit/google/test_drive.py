import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import responses

from orchestrator.google import GoogleClients
from orchestrator.google.drive import quote
from orchestrator.google.errors import NotFound
from tests.unit.google.conftest import DRIVE_FILES, google_error

FILES_LIST = re.compile(re.escape(DRIVE_FILES) + r"\?.*")


def query(call: Any) -> dict[str, list[str]]:
    return parse_qs(urlparse(call.request.url).query)


def test_list_files_follows_every_page(mocked: responses.RequestsMock, clients: GoogleClients) -> None:
    mocked.add("GET", FILES_LIST, json={"files": [{"id": "1"}], "nextPageToken": "page-2"})
    mocked.add("GET", FILES_LIST, json={"files": [{"id": "2"}]})
    assert clients.drive.list_files("trashed = false", "files(id)") == [{"id": "1"}, {"id": "2"}]
    first, second = (query(c) for c in mocked.calls)
    assert first["fields"] == ["nextPageToken,files(id)"] and "pageToken" not in first
    assert second["pageToken"] == ["page-2"] and second["q"] == ["trashed = false"]
    assert clients.stats.methods["drive.files.list"].calls == 2


def test_list_backups_asks_for_the_term_and_keeps_only_real_backups(mocked: responses.RequestsMock,
                                                                    clients: GoogleClients) -> None:
    mocked.add("GET", FILES_LIST, json={"files": [
        {"id": "b1", "name": "ZEUES — backup pre-3.0 2026-01-28 10:00:00"},
        {"id": "x", "name": "ZEUES backup notes"},
        {"id": "b2", "name": "ZEUES — backup manual 2026-01-27 09:00:00"},
    ]})
    assert [f["id"] for f in clients.drive.list_backups("ZEUES")] == ["b1", "b2"]
    q = query(mocked.calls[0])["q"][0]
    # Drive's `name contains` matches terms by prefix, so the query uses whole terms; the marker is checked here.
    assert "name contains 'backup'" in q and "name contains 'ZEUES'" in q
    assert "mimeType = 'application/vnd.google-apps.spreadsheet'" in q and "trashed = false" in q
    assert query(mocked.calls[0])["orderBy"] == ["createdTime desc"]


def test_get_file_is_retried_like_a_read(mocked: responses.RequestsMock, clients: GoogleClients) -> None:
    url = f"{DRIVE_FILES}/FILE1"
    mocked.add("GET", re.compile(re.escape(url) + r"\?.*"), status=503, json=google_error(503, "backend error"))
    mocked.add("GET", re.compile(re.escape(url) + r"\?.*"), json={"id": "FILE1", "name": "n"})
    assert clients.drive.get_file("FILE1")["id"] == "FILE1"
    assert len(mocked.calls) == 2 and clients.stats.methods["drive.files.get"].retries == 1


def test_a_missing_file_is_not_found(mocked: responses.RequestsMock, clients: GoogleClients) -> None:
    mocked.add("GET", re.compile(re.escape(f"{DRIVE_FILES}/NOPE") + r"\?.*"), status=404,
               json=google_error(404, "File not found: NOPE.", "notFound"))
    with pytest.raises(NotFound, match="NOPE"):
        clients.drive.get_file("NOPE")


def test_quote_escapes_drive_query_literals() -> None:
    assert quote("Bob's \\ sheet") == "'Bob\\'s \\\\ sheet'"
