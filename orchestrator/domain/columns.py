"""Header row -> column index, by normalised name, never by position.

Humans insert, rename and move columns in the ZEUES sheet. A header map cached across such an edit made
every spool read as occupied once (zeues-sheet.md, failure 7), so a map carries a fingerprint of the exact
header it was built from, and callers compare fingerprints before trusting it.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Sequence


class HeaderError(ValueError):
    """The header row cannot be mapped safely (duplicate or missing names)."""


# Characters a header match ignores, by Unicode general category: every mark (accents, combining marks of any
# block), every separator (spaces of any width, line and paragraph separators), controls (tab, newline, \v)
# and format characters (zero-width space/joiners, word joiner, BOM, soft hyphen); and underscores. The bridge
# applies the same rule (appsscript/Sheets.js normalizeHeader_, with the regex `python3 tasks.py regen` builds
# from these sets into Contract.js); orchestrator/contract/header-vectors.json is run by both.
HEADER_IGNORED_CATEGORIES = frozenset({"Mn", "Mc", "Me", "Zs", "Zl", "Zp", "Cc", "Cf"})
HEADER_IGNORED_CHARACTERS = frozenset("_")
# What a column name written in a migration spec may not contain: characters nobody can see or type on
# purpose. A plain space (U+0020) is the only separator allowed.
NAME_REFUSED_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Cn", "Co", "Cs"})
NAME_ALLOWED_CHARACTERS = frozenset(" ")  # in a refused category, allowed all the same


def normalize_header(name: str) -> str:
    """The matching key of a header name.

    Only the part before ` / ` counts (on migration day the key header read `TAG_SPOOL / CODIGO_BARRA`, later
    plain `TAG_SPOOL`). Case does not matter (full case mapping, upper then lower, so `Straße` matches
    `STRASSE`), nor compatibility forms (NFKD: `ｆｅｃｈａ` is `fecha`), accents and other marks (code spelled
    `Fecha_QC_Metrología` both with and without the accent), underscores, nor any invisible character.
    """
    primary = name.split(" / ", 1)[0]
    decomposed = unicodedata.normalize("NFKD", primary.upper().lower())
    return "".join(c for c in decomposed
                   if c not in HEADER_IGNORED_CHARACTERS and unicodedata.category(c) not in HEADER_IGNORED_CATEGORIES)


def column_name_problem(name: str) -> str | None:
    """Why `name` may not be a new column's name, or None. Names the first bad code point and its position."""
    for position, char in enumerate(name):
        category = unicodedata.category(char)
        if category in NAME_REFUSED_CATEGORIES and char not in NAME_ALLOWED_CHARACTERS:
            what = unicodedata.name(char, "unnamed")
            return (f"column name {name!r} has U+{ord(char):04X} ({what}) at position {position}: invisible, "
                    "control and non-ASCII space characters are not allowed in a column name")
    if name != name.strip() or not normalize_header(name):
        return f"column name {name!r} must not be blank or have surrounding spaces"
    if " / " in name:
        return f"column name {name!r} must not have a ' / ' alias"
    return None


def column_letter(index: int) -> str:
    """0-based column index -> A1 letters (0 -> A, 26 -> AA)."""
    if index < 0:
        raise ValueError(f"column index must be >= 0, got {index}")
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def quote_sheet(title: str) -> str:
    """A sheet title as A1 notation writes it before `!`: in single quotes, each quote in it doubled
    (`O'Brien` -> `'O''Brien'`). Quoting is always allowed, so every title is quoted."""
    return "'" + title.replace("'", "''") + "'"


def header_fingerprint(header: Sequence[str]) -> str:
    """SHA-256 over the exact header cells in order: any insert, move or rename changes it."""
    return hashlib.sha256(json.dumps(list(header), ensure_ascii=False).encode()).hexdigest()


class ColumnMap:
    """Column positions of one header row, looked up by normalised name.

    Blank header cells are allowed (they map to nothing); two names that normalise alike are an error
    naming both columns, because a lookup would silently pick one of them.
    """

    def __init__(self, header: Sequence[str]) -> None:
        self.header: tuple[str, ...] = tuple("" if h is None else str(h) for h in header)
        self.fingerprint = header_fingerprint(self.header)
        self._index: dict[str, int] = {}
        for i, name in enumerate(self.header):
            if not name.strip():
                continue
            key = normalize_header(name)
            if key in self._index:
                j = self._index[key]
                raise HeaderError(
                    f"duplicate header: column {column_letter(j)} {self.header[j]!r} and column "
                    f"{column_letter(i)} {name!r} both normalise to {key!r}; rename one of them in the sheet"
                )
            self._index[key] = i

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and normalize_header(name) in self._index

    def __len__(self) -> int:
        return len(self.header)

    def get(self, name: str) -> int | None:
        return self._index.get(normalize_header(name))

    def index(self, name: str) -> int:
        """0-based position of `name`; a missing column is an error that names it."""
        i = self.get(name)
        if i is None:
            raise HeaderError(f"column {name!r} not found in the header ({len(self.header)} columns)")
        return i

    def letter(self, name: str) -> str:
        return column_letter(self.index(name))

    def missing(self, names: Iterable[str]) -> list[str]:
        return [n for n in names if n not in self]

    def require(self, names: Iterable[str], *, what: str = "columns") -> None:
        absent = self.missing(names)
        if absent:
            raise HeaderError(f"missing {what}: {', '.join(absent)}")

    @property
    def last_named_index(self) -> int:
        """Index of the last non-blank header cell (-1 for an empty header)."""
        for i in range(len(self.header) - 1, -1, -1):
            if self.header[i].strip():
                return i
        return -1

    def blank_between_names(self) -> list[int]:
        """Blank header cells left of the last named column (a sign of a damaged header)."""
        return [i for i in range(self.last_named_index) if not self.header[i].strip()]
