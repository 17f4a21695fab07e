"""Grammars both sides check text against. Each pattern is written in the syntax Python's `re` and JavaScript's
RegExp share; Contract.js gets it anchored (`MIGRATION_ID_`). The header rule's character classes are the
domain model's (orchestrator/domain/columns.py, which imports nothing outside the domain); codegen copies them
into Contract.js as well."""

from __future__ import annotations

# A migration id: a dotted version of ASCII digits (`3.0`), nothing after it. Python matches it with
# `re.ASCII` and `fullmatch` (`\d` would take `３.１` and `٣.١`, `$` a trailing newline).
MIGRATION_ID_PATTERN = r"[0-9]+(\.[0-9]+)*"
