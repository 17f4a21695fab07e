"""Drive API v3 reads: listing and getting files, which is how backups are found.

Backups are full copies the bridge makes as `<title> — backup <label> <stamp> #<opId[:8]>` (appsscript/Backup.js).
Paced and retried like the Sheets reads, with a bucket of its own (Drive's quota is separate).
"""

from __future__ import annotations

from typing import Any

from orchestrator.google.errors import TransportError
from orchestrator.google.pacing import ReadExecutor

SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
BACKUP_MARKER = " — backup "
BACKUP_FIELDS = "files(id,name,createdTime,modifiedTime,owners(emailAddress))"


def quote(value: str) -> str:
    """A string literal of Drive's query language: backslash and single quote escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class DriveClient:
    def __init__(self, service: Any, executor: ReadExecutor) -> None:
        self._files = service.files()  # built once: googleapiclient rebuilds it on every call
        self._executor = executor

    def list_files(self, q: str, fields: str = "files(id,name)", *, order_by: str | None = None,
                   page_size: int = 100) -> list[dict[str, Any]]:
        """Every file matching `q`, all pages. `fields` is the response field mask, e.g. `files(id,name)`."""
        mask = fields if "nextPageToken" in fields else f"nextPageToken,{fields}"
        files: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page_token = token
            page = self._executor.execute(
                lambda: self._files.list(q=q, fields=mask, orderBy=order_by, pageSize=page_size,
                                                   pageToken=page_token),
                target=q)
            if not isinstance(page, dict):
                raise TransportError(f"files.list answered {type(page).__name__}", may_have_run=False)
            files.extend(page.get("files", []))
            token = page.get("nextPageToken")
            if not token:
                return files

    def get_file(self, file_id: str,
                 fields: str = "id,name,mimeType,createdTime,modifiedTime,trashed") -> dict[str, Any]:
        result = self._executor.execute(lambda: self._files.get(fileId=file_id, fields=fields),
                                        target=file_id)
        if not isinstance(result, dict):
            raise TransportError(f"files.get answered {type(result).__name__}", may_have_run=False)
        return result

    def find_backup(self, title: str, name: str) -> str | None:
        """The id of the backup named exactly `name` (a backup's name carries its operation's marker), if any."""
        return next((str(f["id"]) for f in self.list_backups(title) if f.get("name") == name), None)

    def list_backups(self, title: str | None = None) -> list[dict[str, Any]]:
        """Backup spreadsheets, newest first; only those of the spreadsheet titled `title` when given."""
        # Drive's `name contains` matches name *terms by prefix*, not substrings (developers.google.com/drive/
        # api/guides/ref-search-terms): ask for the term `backup` (and the title, a prefix of the name), then
        # keep only the names that really hold `<title> — backup `.
        q = f"name contains 'backup' and mimeType = {quote(SPREADSHEET_MIME)} and trashed = false"
        if title:
            q += f" and name contains {quote(title)}"
        files = self.list_files(q, BACKUP_FIELDS, order_by="createdTime desc")
        marker = f"{title}{BACKUP_MARKER}" if title else BACKUP_MARKER
        return [f for f in files if (str(f.get("name", "")).startswith(marker) if title
                                     else marker in str(f.get("name", "")))]
