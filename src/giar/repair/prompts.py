"""Prompts live as versioned files in ``prompts/`` (``<name>.v<version>.md``), loaded by name.

A file opens with front matter naming it (``name:``, ``version:``) and holds ``<!-- role: system -->`` and
``<!-- role: user -->`` parts with ``{{placeholders}}``. Name and version go into the cache key, so a new version
never reuses an old answer. The rows, columns and rules come from ``giar.template``; the prompt spells no label.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..errors import PromptError
from ..model import RepairRequest
from ..template import TEMPLATES, rules

# The repository's prompts/ folder (src/giar/repair/prompts.py -> repo root).
PROMPTS_DIR = Path(__file__).resolve().parents[3] / "prompts"

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


def load(name: str, version: Optional[int] = None, directory: Path = PROMPTS_DIR) -> Prompt:
    """The prompt ``name`` at ``version`` (default: the highest version on disk)."""
    if version is None:
        found = sorted(
            (int(m.group(1)), p)
            for p in directory.glob(f"{name}.v*.md")
            if (m := re.fullmatch(rf"{re.escape(name)}\.v(\d+)\.md", p.name))
        )
        if not found:
            raise PromptError(f"no prompt {name!r} in {directory}")
        version = found[-1][0]
    path = directory / f"{name}.v{version}.md"
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
        "reasons": "\n".join(f"- {r}" for r in request.reasons) or "- (none given)",
        "tokens": _tokens(request),
        "region": marked_region(request),
    }


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
    lines = []
    for row in rows:
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
