"""Prompts live as versioned files in ``prompts/`` (``<name>.v<version>.md``), loaded by name.

The folder stays at the repository's top level and ships in the wheel as the package ``giar.prompts``
(``setup.py`` maps it); it is read with :mod:`importlib.resources`, so an installed giar finds its prompts
wherever it runs. A file opens with front matter naming it (``name:``, ``version:``) and holds ``<!-- role:
system -->`` and ``<!-- role: user -->`` parts with ``{{placeholders}}``. Name and version go into the cache
key, so a new version never reuses an old answer. The rows, columns and rules come from ``giar.template``; the
prompt spells no label.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Optional, Union

from ..errors import PromptError
from ..model import RepairRequest
from ..template import TEMPLATES, rules

PACKAGE = "giar.prompts"  # the repository's prompts/ folder, installed as package data


def _folder() -> Traversable:
    return resources.files(PACKAGE)

_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_ROLE = re.compile(r"^<!-- role: (system|user) -->\s*$", re.M)
_SLOT = re.compile(r"\{\{\s*(\w+)\s*\}\}")


@dataclass(frozen=True)
class Prompt:
    name: str
    version: int
    parts: tuple[tuple[str, str], ...]  # (role, text with {{slots}})

    @property
    def digest(self) -> str:
        """A hash of the text, so an edit without a version bump still misses the cache."""
        return hashlib.sha256(repr(self.parts).encode()).hexdigest()

    @property
    def label(self) -> str:
        return f"{self.name}.v{self.version}"


def load(name: str, version: Optional[int] = None, directory: Optional[Union[Path, Traversable]] = None) -> Prompt:
    """The prompt ``name`` at ``version`` (default: the highest version there is)."""
    folder = _folder() if directory is None else directory
    if version is None:
        found = sorted(
            int(m.group(1))
            for p in folder.iterdir()
            if (m := re.fullmatch(rf"{re.escape(name)}\.v(\d+)\.md", p.name))
        )
        if not found:
            raise PromptError(f"no prompt {name!r} in {folder}")
        version = found[-1]
    path = folder / f"{name}.v{version}.md"
    if not path.is_file():
        raise PromptError(f"no prompt {name!r} version {version} in {folder}")
    return parse(path.read_text(encoding="utf-8"), source=str(path))


def parse(text: str, source: str = "<prompt>") -> Prompt:
    front = _FRONT.match(text)
    if not front:
        raise PromptError(f"{source}: no front matter (---/name:/version:/---)")
    meta = dict(
        (k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in front.group(1).splitlines()) if k.strip()
    )
    body = text[front.end() :]
    marks = list(_ROLE.finditer(body))
    if not marks:
        raise PromptError(f"{source}: no <!-- role: ... --> part")
    parts = tuple(
        (m.group(1), body[m.end() : marks[i + 1].start() if i + 1 < len(marks) else len(body)].strip())
        for i, m in enumerate(marks)
    )
    return Prompt(name=meta["name"], version=int(meta["version"]), parts=parts)


def render(prompt: Prompt, request: RepairRequest) -> list[dict[str, str]]:
    """Chat messages for one request: each {{slot}} filled once (region text is never re-scanned for slots)."""
    slots = slot_values(request)

    def fill(m: re.Match) -> str:
        if m.group(1) not in slots:
            raise PromptError(f"prompt {prompt.label} asks for unknown slot {{{{{m.group(1)}}}}}")
        return slots[m.group(1)]

    return [{"role": role, "content": _SLOT.sub(fill, text)} for role, text in prompt.parts]


def slot_values(request: RepairRequest) -> dict[str, str]:
    table = TEMPLATES[request.template].tables[request.table]
    return {
        "table": request.table,
        "template": request.template,
        "heading": table.heading,
        "columns": _columns(request),
        "rows": _rows(request),
        "rules": _rules(request),
        "rule_families": _rule_families(request),
        "reasons": "\n".join(f"- {r}" for r in request.reasons) or "- (none given)",
        "tokens": _tokens(request),
        "known": _known(request),
        "header": request.header or "(the excerpt below starts at the table's top)",
        "region": marked_region(request),
    }


def asked(request: RepairRequest) -> list[str]:
    """The rows the answer is asked for, in template order."""
    rows = [r.key for r in TEMPLATES[request.template].tables[request.table].rows]
    return [r for r in rows if r in request.rows] if request.rows else rows


def _columns(request: RepairRequest) -> str:
    seen: dict[str, str] = {}
    for row in TEMPLATES[request.template].tables[request.table].rows:
        for c in row.columns:
            seen.setdefault(c.key, c.label)
    return "\n".join(f"- {k}: {label}" for k, label in seen.items())


def _rows(request: RepairRequest) -> str:
    """One line per row; a row's own columns are listed only where rows differ (section 二)."""
    rows = TEMPLATES[request.template].tables[request.table].rows
    uniform = len({tuple(c.key for c in r.columns) for r in rows}) == 1
    wanted = set(asked(request))
    lines = []
    for row in rows:
        if row.key not in wanted:
            continue
        group = f"{row.group} / " if row.group else ""
        cols = "" if uniform else f"  [columns: {', '.join(c.key for c in row.columns)}]"
        lines.append(f"- {row.key}: {group}{row.label}{cols}")
    return "\n".join(lines)


def _rules(request: RepairRequest) -> str:
    def short(key: str) -> str:
        return key.split(".", 1)[1]

    out = []
    for rule in rules(request.template):
        if rule.lhs[0].split(".")[0] != request.table:
            continue
        out.append(f"- {' + '.join(map(short, rule.lhs))} = {' + '.join(map(short, rule.rhs))}")
    return "\n".join(out) or "- (this table has no arithmetic rules)"


def _rule_families(request: RepairRequest) -> str:
    """The rules that involve an asked row, one line per family: an equation over rows for every column, or
    over columns for every row (far shorter than one line per equation)."""
    wanted = set(asked(request))
    families: dict[str, list[str]] = {}
    for rule in rules(request.template):
        parts = [k.split(".")[1:] for k in rule.cells]
        if rule.lhs[0].split(".")[0] != request.table or not any(row in wanted for row, _ in parts):
            continue
        if len({col for _, col in parts}) == 1:  # one column, several rows
            text = f"{' + '.join(k.split('.')[1] for k in rule.lhs)} = {' + '.join(k.split('.')[1] for k in rule.rhs)}"
            families.setdefault(f"{text}, in column", []).append(parts[0][1])
        else:  # one row, several columns
            text = f"{' + '.join(k.split('.')[2] for k in rule.lhs)} = {' + '.join(k.split('.')[2] for k in rule.rhs)}"
            families.setdefault(f"{text}, in row", []).append(parts[0][0])
    lines = [f"- {text}{'s' if len(where) > 1 else ''}: {', '.join(where)}" for text, where in families.items()]
    return "\n".join(lines) or "- (no arithmetic rule involves these rows)"


def _known(request: RepairRequest) -> str:
    """The cells around the asked rows the rules already read, as ``row: column=#id …`` (their tokens are
    taken; the asked rows' own read cells must be answered with the same ids)."""
    by_row: dict[str, list[str]] = {}
    for cell, tid in request.known.items():
        row, col = cell.split(".")
        by_row.setdefault(row, []).append(f"{col}=#{tid}")
    order = [r.key for r in TEMPLATES[request.template].tables[request.table].rows]
    return "\n".join(f"- {row}: {' '.join(by_row[row])}" for row in order if row in by_row) or "- (none)"


def _tokens(request: RepairRequest) -> str:
    return "\n".join(f"#{t.id} {t.text}" for t in request.tokens)


def marked_region(request: RepairRequest) -> str:
    """The region text with each token written as ``[#id:text]`` where it was found."""
    text = request.region_text
    marks = []
    for t in request.tokens:
        start, end = t.span[0] - request.region_start, t.span[1] - request.region_start
        if 0 <= start < end <= len(text) and text[start:end] == t.text:
            marks.append((start, end, t))
    out, pos = [], 0
    for start, end, t in sorted(marks, key=lambda m: m[0]):
        if start < pos:  # overlapping tokens: keep the first
            continue
        out.append(text[pos:start])
        out.append(f"[#{t.id}:{t.text}]")
        pos = end
    out.append(text[pos:])
    return "".join(out)
