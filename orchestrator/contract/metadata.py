"""The zeues developer-metadata keys the bridge writes and both sides read. Contract.js gets them as `META`
(`META.SCHEMA_VERSION === 'zeues.schema_version'`)."""

from __future__ import annotations

from enum import StrEnum


class MetaKey(StrEnum):
    """A key (the member is the key's text) and where it is attached, with what it holds."""

    meaning: str

    def __new__(cls, key: str, meaning: str) -> MetaKey:
        member = str.__new__(cls, key)
        member._value_, member.meaning = key, meaning
        return member

    SCHEMA_VERSION = "zeues.schema_version", "spreadsheet: the id of the last applied migration"
    EVENT_TYPES = "zeues.event_types", "spreadsheet: the event-type registry (a JSON list)"
    HOLD = "zeues.hold", "spreadsheet: migrations are paused (JSON: by, at, reason)"
    COLUMN = "zeues.column", "a column a migration added: its name"
    MIGRATION = "zeues.migration", "a column a migration added: the migration's id"
    BACKUP_OF = "zeues.backup_of", "spreadsheet, on a backup copy only: what it is a copy of (Backup.js)"
