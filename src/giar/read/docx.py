"""DOCX → Document: body paragraphs and tables in document order, merged cells by the giar span rule.

python-docx's ``Document.paragraphs`` and ``Document.tables`` are two separate lists, which loses where each
table sits between the headings; walking the body XML keeps 二/三/四 tables under their headings.

Text is read as Word shows it with every tracked change accepted (issue 11): government files are often
published with their revisions still tracked. python-docx's ``Paragraph.text`` reads only the runs directly in
a paragraph (and hyperlinks), so it drops a number typed as a tracked insertion, inside a smart tag, a field or
a content control (301 → 30), and glues struck and hidden runs onto the number beside them. Here each
paragraph's XML is walked: insertions, smart tags, simple fields, complex fields' results (not their
instructions) and content controls are read; deletions, struck (single or double) and hidden runs are not;
in a table cell a superscript or subscript run is a footnote mark, not digits. Each cell whose text needed one
of these carries the repair's name, and so does every value read from it.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Optional

import docx
from docx.oxml.ns import qn
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from lxml import etree

from ..model import Document, Finding
from ..status import FindingKind
from ._layout import Block, Piece, assemble_marked, clean, has_text

_P, _TBL, _R, _RPR = qn("w:p"), qn("w:tbl"), qn("w:r"), qn("w:rPr")
_SDT, _SDT_CONTENT, _CUSTOM_XML = qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")
_FLD_CHAR, _FLD_TYPE, _VAL = qn("w:fldChar"), qn("w:fldCharType"), qn("w:val")
_TEXT = {qn(f"w:{t}") for t in ("t", "tab", "ptab", "br", "cr", "noBreakHyphen")}  # python-docx's str() of each
# Elements of a paragraph whose runs are read, and the repair a value read from them carries (None: no repair).
_READ_INTO = {
    qn("w:ins"): "keep_tracked_insertion",
    qn("w:moveTo"): "keep_tracked_insertion",
    qn("w:smartTag"): "smart_tag_text",
    _CUSTOM_XML: "smart_tag_text",
    qn("w:fldSimple"): "field_result",
    _SDT: "content_control_text",
    qn("w:hyperlink"): None,
    qn("w:bdo"): None,
    qn("w:dir"): None,
}
# Elements of a paragraph that are not read, and the repair a cell beside them carries.
_LEFT_OUT = {qn("w:del"): "skip_tracked_deletion", qn("w:moveFrom"): "skip_tracked_deletion"}
# Run properties that keep a run out of the text (toggles: <w:strike/> is on, w:val="0"/"false" off).
_RUN_SKIPS = {qn("w:strike"): "skip_struck_text", qn("w:dstrike"): "skip_struck_text", qn("w:vanish"): "skip_hidden_text"}
_VERT_ALIGN, _RSTYLE = qn("w:vertAlign"), qn("w:rStyle")
_FOOTNOTE = "footnote_mark_dropped"
_BLOCK_WRAPPERS = {_SDT: "content_control_text", _CUSTOM_XML: "smart_tag_text"}


def _on(el: etree._Element) -> bool:
    return (el.get(_VAL) or "true").lower() not in ("0", "false", "off")


def _run_properties(rpr: Optional[etree._Element]) -> dict[str, bool | str]:
    """The properties of one ``w:rPr`` that decide whether a run is read: skip reasons on/off, vertical align."""
    props: dict[str, bool | str] = {}
    if rpr is None:
        return props
    for child in rpr:
        if child.tag in _RUN_SKIPS:
            props[child.tag] = _on(child)
        elif child.tag == _VERT_ALIGN:
            props[_VERT_ALIGN] = child.get(_VAL) or "baseline"
    return props


class _Styles:
    """Character styles' strike/hidden/superscript properties, through their ``basedOn`` chain."""

    def __init__(self, document) -> None:
        self.own: dict[str, tuple[dict[str, bool | str], Optional[str]]] = {}
        self.cache: dict[str, dict[str, bool | str]] = {}
        try:
            styles = document.styles.element
        except (KeyError, AttributeError):
            return
        for style in styles.iterchildren(qn("w:style")):
            based = style.find(qn("w:basedOn"))
            self.own[style.get(qn("w:styleId")) or ""] = (
                _run_properties(style.find(_RPR)),
                based.get(_VAL) if based is not None else None,
            )

    def of(self, style_id: str) -> dict[str, bool | str]:
        if style_id not in self.cache:
            props: dict[str, bool | str] = {}
            seen: set[str] = set()
            at: Optional[str] = style_id
            while at and at not in seen and at in self.own:
                seen.add(at)
                own, at = self.own[at]
                props = {**own, **props}  # the nearer style wins
            self.cache[style_id] = props
        return self.cache[style_id]


class _Reader:
    """Reads paragraphs and cells of one document as Word shows them, tracked changes accepted."""

    def __init__(self, document) -> None:
        self.styles = _Styles(document)
        self.unwrapped = _unwrap_blocks(document.element.body)

    def skip_reason(self, run: etree._Element, cell: bool) -> Optional[str]:
        """Why a run is not read (struck, hidden, a footnote mark in a cell), or None."""
        rpr = run.find(_RPR)
        props = _run_properties(rpr)
        style = rpr.find(_RSTYLE) if rpr is not None else None
        if style is not None:
            props = {**self.styles.of(style.get(_VAL) or ""), **props}
        for tag, reason in _RUN_SKIPS.items():
            if props.get(tag):
                return reason
        if cell and props.get(_VERT_ALIGN) in ("superscript", "subscript"):
            return _FOOTNOTE
        return None

    def paragraph(self, p: etree._Element, cell: bool) -> Piece:
        parts: list[str] = []
        repairs: set[str] = set()
        fields: list[bool] = []  # complex fields open here: True while in a field's instruction

        def walk(el: etree._Element, why: tuple[str, ...]) -> None:
            for child in el:
                tag = child.tag
                if tag == _R:
                    run(child, why)
                elif tag in _READ_INTO:
                    inner = child.find(_SDT_CONTENT) if tag == _SDT else child
                    if inner is not None:
                        name = _READ_INTO[tag]
                        walk(inner, (*why, name) if name else why)
                elif tag in _LEFT_OUT and has_text(child):
                    repairs.add(_LEFT_OUT[tag])

        def run(r: etree._Element, why: tuple[str, ...]) -> None:
            text: list[str] = []
            for child in r:
                if child.tag == _FLD_CHAR:
                    kind = child.get(_FLD_TYPE)
                    if kind == "begin":
                        fields.append(True)
                    elif kind == "separate" and fields:
                        fields[-1] = False
                    elif kind == "end" and fields:
                        fields.pop()
                elif child.tag in _TEXT and not any(fields):  # w:instrText is never text
                    text.append(str(child))
            s = "".join(text)
            if not s.strip():
                parts.append(s)
                return
            reason = self.skip_reason(r, cell)
            if reason:
                repairs.add(reason)
                return
            parts.append(s)
            repairs.update(why)
            if fields:
                repairs.add("field_result")

        walk(p, self.wrapped(p))
        text = clean("".join(parts))
        return Piece(text, repairs=tuple(sorted(repairs)) if text else ())

    def wrapped(self, el: etree._Element) -> tuple[str, ...]:
        """The repairs of the block-level content controls (or custom XML) the element was taken out of."""
        if not self.unwrapped:
            return ()
        return tuple(dict.fromkeys(self.unwrapped[a] for a in (el, *el.iterancestors()) if a in self.unwrapped))

    def cell(self, cell: _Cell) -> Piece:
        """Every paragraph of the cell, nested tables included, folded onto one line."""
        pieces = [self.paragraph(p._p, cell=True) for p in cell.paragraphs]
        for inner in cell.tables:
            for row in self.table_rows(inner):
                pieces.append(Piece(" ".join(c.text for c in row), repairs=tuple(r for c in row for r in c.repairs)))
        text = clean("\n".join(p.text for p in pieces))
        return Piece(text, repairs=tuple(sorted({r for p in pieces for r in p.repairs})) if text else ())

    def table_rows(self, table: Table) -> list[list[Piece]]:
        """Rows of cells. python-docx already returns a vertically merged cell in every row it covers (the
        rowspan rule) and a horizontally merged one once per grid column, so consecutive repeats of the same
        cell are dropped (colspan once). Leading grid columns a row skips (``w:gridBefore``) stay as empty cells.
        A row whose deletion is tracked is not read."""
        rows = []
        for row in table.rows:
            if row._tr.find(f"{qn('w:trPr')}/{qn('w:del')}") is not None:
                continue
            out: list[Piece] = [Piece("")] * (row.grid_cols_before or 0)
            prev = None
            for cell in row.cells:
                if prev is not None and cell._tc is prev:
                    continue
                prev = cell._tc
                out.append(self.cell(cell))
            rows.append(out)
        return rows


def _unwrap_blocks(body: etree._Element) -> dict[etree._Element, str]:
    """Block-, row- and cell-level content controls and custom XML replaced by their content, in this in-memory
    copy of the document, so that python-docx's tables see the rows and cells inside them. Returns each element
    taken out of a wrapper with the wrapper's repair name."""
    moved: dict[etree._Element, str] = {}
    wrappers = [el for el in body.iter(*_BLOCK_WRAPPERS) if not any(a.tag == _P for a in el.iterancestors())]
    for wrapper in wrappers:
        parent = wrapper.getparent()
        if parent is None:
            continue
        content = wrapper.find(_SDT_CONTENT) if wrapper.tag == _SDT else wrapper
        kids = [k for k in (content if content is not None else ()) if k.tag != qn("w:customXmlPr")]
        at = parent.index(wrapper)
        for i, kid in enumerate(kids):
            parent.insert(at + i, kid)
            moved[kid] = _BLOCK_WRAPPERS[wrapper.tag]
        parent.remove(wrapper)
    return moved


def _body_items(body, container) -> Iterator[Paragraph | Table]:
    """Paragraphs and tables of the body in order."""
    for child in body.iterchildren():
        if child.tag == _P:
            yield Paragraph(child, container)
        elif child.tag == _TBL:
            yield Table(child, container)


def read_docx(data: bytes, source: str) -> Document:
    """Read the main document body (headers/footers are page furniture and stay out)."""
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        finding = Finding(kind=FindingKind.FORMAT, message=f"cannot open DOCX: {exc}", stage="read")
        return Document(source=source, format="docx", text="", findings=[finding])

    reader = _Reader(document)
    blocks: list[Block] = []
    for item in _body_items(document.element.body, document._body):
        if isinstance(item, Paragraph):
            piece = reader.paragraph(item._p, cell=False)
            if piece.text:
                blocks.append(Block("para", [[piece]]))
        else:
            blocks.append(Block("table", reader.table_rows(item)))
    text, _, marks = assemble_marked(blocks)
    return Document(source=source, format="docx", text=text, marks=marks)
