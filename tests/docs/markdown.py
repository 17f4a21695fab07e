"""Reading the project's Markdown the way a reader copies from it: code blocks, inline code, tables, links,
headings, and the shell commands inside them."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])

_FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
_INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
_SEPARATORS = {"&&", "||", ";", "|", ">", ">>", "<", "2>", "2>&1", "&"}


@dataclass(frozen=True)
class Snippet:
    path: Path
    lang: str  # the fence's language; "inline" for `code` in prose
    text: str


def snippets(path: Path) -> list[Snippet]:
    text = path.read_text(encoding="utf-8")
    found = [Snippet(path, m.group(1) or "", m.group(2)) for m in _FENCE.finditer(text)]
    prose = _FENCE.sub("", text)
    found += [Snippet(path, "inline", m.group(1)) for m in _INLINE.finditer(prose)]
    return found


def shell_lines(snippet: Snippet) -> list[str]:
    """Logical lines of a shell snippet: continuations joined, comments cut."""
    if snippet.lang not in ("sh", "bash", "shell", "console", "", "inline"):
        return []
    lines, current = [], ""
    for raw in snippet.text.splitlines():
        line = raw.rstrip()
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        lines.append(current + line)
        current = ""
    if current:
        lines.append(current)
    return [cut_comment(line).strip() for line in lines if line.strip()]


def cut_comment(line: str) -> str:
    """Drop a shell comment (` # ...` outside quotes)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i]
    return line


def tokens(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError:  # an unbalanced quote in prose: fall back to words
        return line.split()


def commands(line: str) -> list[list[str]]:
    """The simple commands of a line, split at `&&`, `;`, `|` and redirections."""
    out: list[list[str]] = [[]]
    for token in tokens(line):
        if token in _SEPARATORS:
            out.append([])
        else:
            out[-1].append(token)
    return [c for c in out if c]


def tables(path: Path) -> list[list[list[str]]]:
    """Every Markdown table: rows of cells, the header row first, the |---| row dropped."""
    found: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(re.fullmatch(r":?-{3,}:?", c) for c in cells):
                current.append(cells)
        elif current:
            found.append(current)
            current = []
    return found


def github_slug(heading: str) -> str:
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    return {github_slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.*)$", text, re.MULTILINE)}


def links(path: Path) -> list[str]:
    text = _INLINE.sub("", _FENCE.sub("", path.read_text(encoding="utf-8")))
    return [m.group(1) for m in re.finditer(r"\]\(([^)\s]+)\)", text)]
