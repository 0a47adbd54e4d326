"""The PDF reader on PDFium: table cells from ruling edges, values where the pdfplumber reader put them, scans,
overprinting, and a quiet terminal (issues 13 and 10).

Small PDFs are drawn here item by item with PDFium's editing API (Latin text in a standard font: the layout
problems are the same as in the Chinese reports).
"""

from __future__ import annotations

import ctypes
import io
import json
import logging

import pypdfium2 as pdfium
import pypdfium2.raw as raw
import pytest

from conftest import FIXTURES
from giar import extract
from giar.read._ruled import find_tables
from giar.read.pdf import _Owners, read_pdf

CORPUS = FIXTURES / "corpus"
PDFS = ("003_huaian-gov-2024", "004_hongze-district-2023", "005_hongze-district-2024")
HEIGHT = 842


def draw(pages: list[list[tuple]]) -> bytes:
    """A PDF of A4 pages, y measured from the top. Items: ``("text", x, y, s)`` (Helvetica 10 on baseline y),
    ``("line", x0, y0, x1, y1)`` (stroked 0.5 pt), ``("rect", x0, y0, x1, y1, rgb)`` (filled, no stroke),
    ``("image", x0, y0, x1, y1)`` (a grey bitmap, as a scanner would leave)."""
    pdf = pdfium.PdfDocument.new()
    for items in pages:
        page = pdf.new_page(595, HEIGHT)
        for kind, *args in items:
            if kind == "image":
                x0, y0, x1, y1 = args
                image = pdfium.PdfImage.new(pdf)
                bitmap = pdfium.PdfBitmap.new_native(20, 20, raw.FPDFBitmap_BGR)
                bitmap.fill_rect((190, 190, 190, 255), 0, 0, 20, 20)
                image.set_bitmap(bitmap)
                image.set_matrix(pdfium.PdfMatrix().scale(x1 - x0, y1 - y0).translate(x0, HEIGHT - y1))
                page.insert_obj(image)
                continue
            if kind == "text":
                x, y, s = args
                obj = raw.FPDFPageObj_NewTextObj(pdf.raw, b"Helvetica", ctypes.c_float(10))
                buf = ctypes.create_string_buffer((s + "\0").encode("utf-16-le"))
                raw.FPDFText_SetText(obj, ctypes.cast(buf, ctypes.POINTER(raw.FPDF_WCHAR)))
                raw.FPDFPageObj_Transform(obj, 1, 0, 0, 1, x, HEIGHT - y)
            elif kind == "line":
                x0, y0, x1, y1 = args
                obj = raw.FPDFPageObj_CreateNewPath(ctypes.c_float(x0), ctypes.c_float(HEIGHT - y0))
                raw.FPDFPath_LineTo(obj, ctypes.c_float(x1), ctypes.c_float(HEIGHT - y1))
                raw.FPDFPath_SetDrawMode(obj, 0, 1)
                raw.FPDFPageObj_SetStrokeWidth(obj, ctypes.c_float(0.5))
            else:
                x0, y0, x1, y1, (r, g, b) = args
                obj = raw.FPDFPageObj_CreateNewRect(*(ctypes.c_float(v) for v in (x0, HEIGHT - y1, x1 - x0, y1 - y0)))
                raw.FPDFPageObj_SetFillColor(obj, r, g, b, 255)
                raw.FPDFPath_SetDrawMode(obj, raw.FPDF_FILLMODE_WINDING, 0)
            raw.FPDFPage_InsertObject(page.raw, obj)
        page.gen_content()
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def borders(xs: list[float], ys: list[float], skip: set[tuple[str, int, int]] = frozenset()) -> list[tuple]:  # type: ignore[assignment]
    """A grid's borders as a browser prints them: one thin black filled rectangle per cell side.
    ``skip`` leaves sides out: ("v", i, j) is the vertical rule at xs[i] beside row j, ("h", j, i) the horizontal
    rule at ys[j] above/below column i."""
    w = 0.75
    out: list[tuple] = []
    for j, y in enumerate(ys):
        for i in range(len(xs) - 1):
            if ("h", j, i) not in skip:
                out.append(("rect", xs[i], y, xs[i + 1] + w, y + w, (0, 0, 0)))
    for i, x in enumerate(xs):
        for j in range(len(ys) - 1):
            if ("v", i, j) not in skip:
                out.append(("rect", x, ys[j], x + w, ys[j + 1] + w, (0, 0, 0)))
    return out


# --- cells from edges ----------------------------------------------------------------------------------------

XS = [72, 150, 250, 330, 410]  # group | label | A | B
YS = [100, 120, 150, 180]  # header | row 1 (labels wrapped over two lines) | row 2


def ruled_table() -> list[tuple]:
    """"Item" over group and label; the group label "(3) Not / shared" spans both rows; row 1's label wraps."""
    skip = {("v", 1, 0), ("h", 2, 0)}  # no rule between group and label in the header; none under row 1's group
    return borders(XS, YS, skip) + [
        ("text", 76, 114, "Item"), ("text", 254, 114, "A"), ("text", 334, 114, "B"),
        ("text", 76, 140, "(3) Not"), ("text", 76, 152, "shared"),
        ("text", 154, 132, "1. long"), ("text", 154, 144, "label"), ("text", 254, 138, "2"), ("text", 334, 138, "3"),
        ("text", 154, 168, "2. law"), ("text", 254, 168, "4"), ("text", 334, 168, "5"),
    ]  # fmt: skip


def test_ruled_cells_with_wrapped_text_and_a_merged_cell():
    """Cells come from the rectangles' edges: a label wrapped over two lines is one cell, the group label spans
    both rows (and is repeated on each), the header cell spans two columns (and comes once)."""
    doc = read_pdf(draw([[("text", 72, 80, "Section three")] + ruled_table()]), "ruled.pdf")
    assert doc.text == (
        "Section three\n\n"
        "Item\tA\tB\n"
        "(3) Not shared\t1. long label\t2\t3\n"
        "(3) Not shared\t2. law\t4\t5\n"
    )
    # a value's box is its cell's: the rules' middles, within half a point of where they were drawn
    run = doc.page_box(doc.text.index("5\n"))
    assert run is not None and run.page == 1
    assert all(abs(a - b) <= 0.5 for a, b in zip(run.bbox, (330, 150, 410, 180))), run.bbox


def test_ruled_cells_from_stroked_lines_give_the_same_table():
    lines = [("line", x, YS[0], x, YS[-1]) for x in XS if x != XS[1]] + [("line", XS[1], YS[1], XS[1], YS[-1])]
    lines += [("line", XS[0], y, XS[-1], y) for y in (YS[0], YS[1], YS[3])] + [("line", XS[1], YS[2], XS[-1], YS[2])]
    texts = [it for it in ruled_table() if it[0] == "text"]
    doc = read_pdf(draw([lines + texts]), "lines.pdf")
    assert doc.text.splitlines()[1:] == ["(3) Not shared\t1. long label\t2\t3", "(3) Not shared\t2. law\t4\t5"]


def test_a_character_on_a_shared_border_goes_to_the_first_cell():
    owners = _Owners([(0, 0, 10, 10), (10, 0, 20, 10), (0, 10, 20, 20)])  # two cells over one merged cell
    assert owners.find(10, 5) == 0  # on the border of cells 0 and 1: the first
    assert owners.find(10, 10) == 0  # on the corner of all three
    assert owners.find(15, 10) == 1  # on the border of cells 1 and 2
    assert owners.find(20, 15) == 2
    assert owners.find(25, 5) is None


def test_find_tables_snaps_near_edges_and_joins_broken_ones():
    # a 2x2 grid whose rules are off by up to 1.5 pt and broken by 2 pt gaps; a lone box beside it is no table
    h = [(100.0, 50.0, 120.0), (100.0, 122.0, 200.0), (150.5, 50.0, 200.0), (201.2, 50.0, 200.0)]
    v = [(50.0, 100.0, 201.0), (124.0, 100.0, 150.0), (125.5, 150.0, 201.0), (199.5, 100.0, 201.0)]
    h += [(300.0, 300.0, 350.0), (330.0, 300.0, 350.0)]
    v += [(300.0, 300.0, 330.0), (350.0, 300.0, 330.0)]
    tables = find_tables(h, v)
    assert len(tables) == 1
    assert len(tables[0].cells) == 4
    x0, top, x1, bottom = tables[0].bbox
    assert (x0, top, x1, bottom) == pytest.approx((50.0, 100.0, 199.5, 201.2))


def test_boxes_keep_their_convention_on_a_media_box_off_the_origin():
    """A media box of [20 30 615 872]: x stays in user space and top is the page height less y, as pdfplumber
    measured (so a value's box does not move with the engine)."""
    pdf = pdfium.PdfDocument(draw([[("text", 72, 80, "Section three")] + ruled_table()]))
    pdf[0].set_mediabox(20, 30, 615, 872)
    out = io.BytesIO()
    pdf.save(out)
    doc = read_pdf(out.getvalue(), "shifted.pdf")
    assert doc.text.splitlines()[-1] == "(3) Not shared\t2. law\t4\t5"
    run = doc.page_box(doc.text.index("5\n"))
    assert run is not None and all(abs(a - b) <= 0.5 for a, b in zip(run.bbox, (330, 150, 410, 180))), run.bbox


# --- what the PDF paints but does not print ------------------------------------------------------------------


def test_white_rectangles_behind_text_are_not_rules():
    """WPS paints a white, unstroked rectangle behind each line of some paragraphs: no one-column table."""
    backing = [("rect", 72, y - 10, 500, y + 3, (255, 255, 255)) for y in (60, 74)]
    page = backing + [("text", 72, 60, "First line of a paragraph"), ("text", 72, 74, "and its second line")]
    doc = read_pdf(draw([page + ruled_table()]), "backed.pdf")
    assert "\t" not in doc.text.split("\n\n")[0]
    assert doc.text.splitlines()[-1] == "(3) Not shared\t2. law\t4\t5"


def test_overprinted_characters_are_read_once():
    """A bold faked by printing the word again 0.3 pt to the right reads as one word."""
    doc = read_pdf(draw([[("text", 72, 60, "Total 12"), ("text", 72.3, 60, "Total 12")]]), "bold.pdf")
    assert doc.text == "Total 12\n"


# --- scans ---------------------------------------------------------------------------------------------------


def test_a_scanned_pdf_says_so():
    doc = read_pdf(draw([[("image", 50, 50, 545, 792)], [("image", 50, 50, 545, 792)]]), "scan.pdf")
    assert doc.text.strip() == ""
    assert [(f.kind, f.message) for f in doc.findings] == [("format", "no text layer: scanned PDF; OCR it first")]


def test_a_scanned_page_among_text_pages_is_named():
    text = [("text", 72, 60 + 14 * i, f"Line {i} of the report with some words") for i in range(10)]
    doc = read_pdf(draw([text, [("image", 50, 50, 545, 792)], text]), "mixed.pdf")
    assert [f.message for f in doc.findings] == ["pages [2] have no text layer (scanned?); their content is missing"]
    assert doc.text.count("Line 3 of the report") == 2


# --- the corpus PDFs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PDFS)
def test_values_keep_the_page_and_box_the_pdfplumber_reader_gave(name):
    """Every value read from a corpus PDF is on the page, and in the box within 0.5 pt, that the pdfplumber
    reader gave it (tests/fixtures/pdf_boxes.json, recorded before the move to PDFium)."""
    known = json.loads((FIXTURES / "pdf_boxes.json").read_text(encoding="utf-8"))[name]
    report = extract(CORPUS / f"{name}.pdf")
    placed = {k: p for k, p in report.provenance.items() if p.page is not None}
    assert set(placed) == set(known)
    for key, (page, box) in known.items():
        got = placed[key]
        assert got.page == page, key
        assert max(abs(a - b) for a, b in zip(got.bbox, box)) <= 0.5, (key, got.bbox, box)  # type: ignore[arg-type]


def test_reading_the_corpus_pdfs_prints_and_logs_nothing(capfd, caplog):
    """Issue 10: pdfminer printed "Could not get FontBBox from font descriptor" hundreds of times per report.
    Reading and extracting 003–005 writes nothing to stdout or stderr (C level included) and logs nothing."""
    caplog.set_level(logging.DEBUG)
    for name in PDFS:
        extract(CORPUS / f"{name}.pdf")
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert [r.getMessage() for r in caplog.records] == []
