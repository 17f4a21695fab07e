"""The catalogue of what the sheet owner reads (orchestrator/contract/owner-texts.json): complete in both languages,
every key the bridge uses is in it, and no text shown to the owner is written in the menu or the panel's code."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestrator.codegen import BRIDGE_DIR, OWNER_TEXTS_JSON, load_owner_texts, owner_text, render_texts_js

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# A quoted catalogue key in the bridge: `text_('status.version'`, or a key in a table ('refusal.hold').
KEY_PREFIXES = sorted({key.split(".")[0] for key in load_owner_texts()})
QUOTED_KEY = re.compile(r"'((?:" + "|".join(map(re.escape, KEY_PREFIXES)) + r")\.\w+)'")
# The calls whose string arguments the owner reads.
OWNER_CALLS = re.compile(r"\b(?:alert|addItem|createMenu|setTitle|showSidebar|showModalDialog|toast|prompt)\(")
OWNER_FILES = ("Menu.js", "Sidebar.js", "Owner.js")
# Strings with words in those files that the owner never reads: backup labels and the cell budget's change (both
# recorded for the operator), and a date pattern.
INTERNAL_STRINGS = {"before rollback ", "before restore", "before ", "applying ", " and ", "yyyy-MM-dd HH:mm"}


def bridge_sources() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(BRIDGE_DIR.glob("*.js"))}


def test_every_text_has_spanish_and_english_with_the_same_placeholders() -> None:
    texts = load_owner_texts()
    assert len(texts) > 50
    for key, text in texts.items():
        assert text.es.strip() and text.en.strip(), key
        assert set(PLACEHOLDER.findall(text.es)) == set(PLACEHOLDER.findall(text.en)), key
        assert re.fullmatch(r"[a-z]+\.[A-Za-z]+", key), key


def test_the_spanish_texts_speak_plainly() -> None:
    """es-CL for an office admin: no internal verbs, codes or "schema"."""
    jargon = re.compile(r"schema|ZEUES_[A-Z]|rolled_back|\bhold\b(?! --release)|batchUpdate|API", re.IGNORECASE)
    for key, text in load_owner_texts().items():
        if key == "menu.title":  # the menu keeps its name
            continue
        assert not jargon.search(text.es), (key, text.es)


def test_every_key_the_bridge_uses_is_in_the_catalogue() -> None:
    texts = load_owner_texts()
    used: set[str] = set()
    for name, source in bridge_sources().items():
        if name == "Texts.js":
            continue
        used |= set(QUOTED_KEY.findall(source))
    assert used, "the scan found no key: the pattern is wrong"
    assert sorted(used - set(texts)) == []
    assert {"menu.openPanel", "status.version", "refusal.hold", "progress.backup"} <= used


def test_every_key_the_panel_page_uses_is_in_the_catalogue() -> None:
    """The page's labels (`data-text="key"` in the HTML files) and its script's `t("key")` calls."""
    texts = load_owner_texts()
    used: set[str] = set()
    for page in BRIDGE_DIR.glob("*.html"):
        used |= set(re.findall(r'data-text="([^"]+)"', page.read_text(encoding="utf-8")))
    client = ROOT / "sidebar" / "client.js"
    if client.exists():
        used |= {k for k in re.findall(r"""\bt\(["']([\w.]+)["']""", client.read_text(encoding="utf-8")) if "." in k}
    assert sorted(used - set(texts)) == []


def test_no_string_literal_is_shown_to_the_owner_from_the_menu_or_the_panel() -> None:
    """Every argument of an alert, a menu item, a title is a text_() call or a variable, never a literal."""
    sources = bridge_sources()
    for name in OWNER_FILES:
        source = sources[name]
        for call in OWNER_CALLS.finditer(source):
            args = _arguments(source, call.end())
            literals = [a for a in _split(args) if re.match(r"""\s*['"]""", a)]
            # A menu item's second argument is the function it runs, not a text.
            if call.group(0).startswith("addItem"):
                literals = [a for a in literals if not re.fullmatch(r"""\s*'menu[A-Z]\w*'\s*""", a)]
            assert literals == [], (name, source[call.start():call.end() + len(args)])
        # And no sentence anywhere in them outside comments and the bridge's own errors (fail_: for the operator
        # and the log; the owner reads their catalogue text): an owner text only comes from the catalogue.
        code = re.sub(r"//[^\n]*|/\*.*?\*/", "", source, flags=re.DOTALL)
        for call in reversed(list(re.finditer(r"\bfail_\(", code))):
            code = code[:call.end()] + code[call.end() + len(_arguments(code, call.end())):]
        sentences = [s for s in re.findall(r"'([^'\n]*)'", code) if re.search(r"[A-Za-zÀ-ÿ]{2,} [A-Za-zÀ-ÿ]{2,}", s)]
        assert [s for s in sentences if s not in INTERNAL_STRINGS] == [], name


def test_a_literal_alert_would_be_found() -> None:
    source = "ui.alert(text_('menu.title'), 'Schema version: ' + v, ui.ButtonSet.OK);"
    call = OWNER_CALLS.search(source)
    assert call is not None
    assert [a for a in _split(_arguments(source, call.end())) if re.match(r"""\s*['"]""", a)]


def test_the_generated_texts_js_is_current() -> None:
    assert (BRIDGE_DIR / "Texts.js").read_text(encoding="utf-8") == render_texts_js(), "run `python3 tasks.py regen`"


@pytest.mark.parametrize(("lang", "shown"), [("es", "Tamaño: 41.734 de 10.000.000 celdas que permite Google."),
                                              ("en", "Size: 41,734 of the 10,000,000 cells Google allows.")])
def test_numbers_get_the_thousands_separator_of_the_language(lang: str, shown: str) -> None:
    assert owner_text("status.size", lang, cells=41734, limit=10_000_000) == shown


def test_the_catalogue_is_plain_json_with_nothing_else() -> None:
    data = json.loads(Path(OWNER_TEXTS_JSON).read_text(encoding="utf-8"))
    assert all(set(v) == {"es", "en"} for v in data.values())


def _depths(text: str, depth: int = 0) -> Iterator[tuple[int, str, int | None]]:
    """Each character with the bracket depth it is at, None inside a string literal."""
    quote = ""
    escaped = False
    for i, c in enumerate(text):
        if quote:
            yield i, c, None
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == quote:
                quote = ""
            continue
        if c in "'\"":
            quote = c
            yield i, c, None
            continue
        depth += (c in "([{") - (c in ")]}")
        yield i, c, depth


def _arguments(source: str, start: int) -> str:
    """The text between a call's parentheses (`start` is just after the opening one)."""
    end = next(i for i, _, depth in _depths(source[start:], 1) if depth == 0)
    return source[start:start + end]


def _split(args: str) -> list[str]:
    """Top-level comma-separated arguments."""
    cuts = [i for i, c, depth in _depths(args) if c == "," and depth == 0]
    return [args[a + 1:b] for a, b in zip([-1, *cuts], [*cuts, len(args)]) if args[a + 1:b].strip()]
