"""DOCX → Document: body paragraphs and tables in document order, merged cells by the giar span rule.

python-docx's ``Document.paragraphs`` and ``Document.tables`` are two separate lists, which loses where each
table sits between the headings; walking the body XML keeps 二/三/四 tables under their headings.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import docx
from docx.oxml.ns import qn
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from ..model import Document, Finding
from ..status import FindingKind
from ._layout import Block, Piece, assemble, clean

_P, _TBL, _SDT = qn("w:p"), qn("w:tbl"), qn("w:sdt")


def _body_items(parent, container) -> Iterator[Paragraph | Table]:
    """Paragraphs and tables of a body (or content control) in order; content controls are looked into."""
    for child in parent.iterchildren():
        if child.tag == _P:
            yield Paragraph(child, container)
        elif child.tag == _TBL:
            yield Table(child, container)
        elif child.tag == _SDT:
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _body_items(content, container)


def _cell_text(cell: _Cell) -> str:
    """Every paragraph of the cell, nested tables included, folded onto one line."""
    # superscript runs are footnote marks (3867²), not digits of the number
    parts = [
        "".join(r.text for r in p.runs if not r.font.superscript) if any(r.font.superscript for r in p.runs) else p.text
        for p in cell.paragraphs
    ]
    for inner in cell.tables:
        for row in _table_rows(inner):
            parts.append(" ".join(row))
    return clean("\n".join(parts))


def _table_rows(table: Table) -> list[list[str]]:
    """Rows of cell texts. python-docx already returns a vertically merged cell in every row it covers (the
    rowspan rule) and a horizontally merged one once per grid column, so consecutive repeats of the same cell
    are dropped (colspan once). Leading grid columns a row skips (``w:gridBefore``) stay as empty cells."""
    rows = []
    for row in table.rows:
        out: list[str] = [""] * (row.grid_cols_before or 0)
        prev = None
        for cell in row.cells:
            if prev is not None and cell._tc is prev:
                continue
            prev = cell._tc
            out.append(_cell_text(cell))
        rows.append(out)
    return rows


def read_docx(data: bytes, source: str) -> Document:
    """Read the main document body (headers/footers are page furniture and stay out)."""
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        finding = Finding(kind=FindingKind.FORMAT, message=f"cannot open DOCX: {exc}", stage="read")
        return Document(source=source, format="docx", text="", findings=[finding])

    blocks: list[Block] = []
    for item in _body_items(document.element.body, document._body):
        if isinstance(item, Paragraph):
            text = clean(item.text)
            if text:
                blocks.append(Block("para", [[Piece(text)]]))
        else:
            blocks.append(Block("table", [[Piece(c) for c in row] for row in _table_rows(item)]))
    text, _ = assemble(blocks)
    return Document(source=source, format="docx", text=text)
