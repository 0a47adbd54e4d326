"""OCR: scanned pages (PDF pages without a text layer, PNG/JPEG/TIFF images) read into the same text grid as the
PDF reader's, with the recogniser's confidence on every piece of text (the ``giar[ocr]`` extra).

A page is rasterised with pypdfium2 (an image file is taken as it is), cleaned up, and read by RapidOCR
(``rapidocr-onnxruntime`` 1.4.x, whose wheel ships the PP-OCRv4 models: nothing is downloaded at run time):

1. **Seal.** A red seal stamped over the table is dropped by reading the red channel as the grey image: red ink
   is as bright as the paper there, black ink stays black.
2. **Background.** A grey or uneven paper tone is divided out (the page over its own blurred background), so
   the text is black on white whatever the scanner's exposure.
3. **Skew.** A page scanned a degree or two askew is turned back by the angle whose row profile is sharpest
   (the text lines and the table's rules line up with the pixel rows only at the right angle).
4. **Rules.** The table's ruling lines are found in the image (long thin runs of ink, by morphology) and given
   to the PDF reader's table finder as the edges a PDF would paint.
5. **Text.** Each text box RapidOCR returns is cut into characters (a CJK character twice as wide as a digit)
   with the box's confidence, in points from the page's top-left corner, and the PDF reader builds the page's
   tables and lines from these characters and the rules as it does from a text layer (``pdf._page_items``):
   there is one layout engine, not two.

Every run of the document's text then carries the lowest confidence of the characters under it, which the
pipeline's OCR gate (:mod:`giar.gate`) reads. The engine is made once per process, on few threads, so batch
workers (one process per core) do not oversubscribe the CPU.
"""

from __future__ import annotations

import importlib.util
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Optional

from pydantic import BaseModel, ConfigDict, Field

from ..errors import NeedsOCR, ReadError, TooLarge, short
from ..limits import Limits
from ..model import Document, Finding
from ..status import FindingKind
from ._layout import assemble, is_cjk
from ._pdfium import Char, HEdge, PageContent, VEdge

if TYPE_CHECKING:
    import numpy as np

MODULE = "rapidocr_onnxruntime"
IMAGES = ("PNG", "JPEG", "TIFF")


class OcrSettings(BaseModel):
    """How scans are read and how far the OCR'd numbers are trusted (configuration, passed in)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dpi: int = Field(150, ge=72, le=600, description="rasterising resolution of a PDF page")
    det_max_side: int = Field(
        1600, ge=600, le=4000, description="pixels: a page is scaled down to this for text detection (speed)"
    )
    min_confidence: float = Field(
        0.9, ge=0, le=1, description="a number read with less confidence than this is left null (the gate)"
    )
    box_score: float = Field(0.3, ge=0, le=1, description="RapidOCR's own floor: boxes below it are not returned")
    threads: int = Field(1, ge=1, le=64, description="onnxruntime threads per process (batch workers: 1)")
    deskew: bool = True
    max_skew: float = Field(4.0, ge=0, le=15, description="degrees: the largest skew searched for")
    drop_red: bool = True
    min_skew: float = Field(0.25, ge=0, le=5, description="degrees: a smaller skew is left as it is")


DEFAULT_OCR = OcrSettings()


def available() -> bool:
    """Is the OCR extra installed (``pip install giar[ocr]``)?"""
    return importlib.util.find_spec(MODULE) is not None


def need() -> None:
    if not available():
        raise NeedsOCR(f"OCR needs the {MODULE} package: {NeedsOCR.EXTRA}")


@cache
def _engine(threads: int, box_score: float, max_side: int) -> Any:
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR(
        text_score=box_score,
        max_side_len=max_side,
        use_cls=False,  # pages are upright: the angle classifier costs time and turns digits now and then
        # the recogniser pads every crop of a batch to at least this width: 320 (its default) makes a table's
        # one- or two-digit cells cost as much as a line of text; 160 halves that and reads as well
        rec_img_shape=[3, 48, 160],
        intra_op_num_threads=threads,
        inter_op_num_threads=1,
    )


# --- the image ----------------------------------------------------------------------------------------------


def _grey(rgb: np.ndarray, settings: OcrSettings) -> np.ndarray:
    """One grey channel, black ink on white: the red channel where a seal is dropped (red ink is as bright as the
    paper in it), and the paper's tone divided out."""
    import cv2
    import numpy as np

    discs = None
    if rgb.ndim == 2:
        grey = rgb
    elif settings.drop_red:
        red, discs = _red(rgb)
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        grey = np.where(red | discs, np.maximum(rgb[..., 0], grey), grey).astype(np.uint8)
    else:
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    # the paper: the page with its ink closed over, blurred; the page over it is the ink on white
    k = max(15, (min(grey.shape) // 40) | 1)
    paper = cv2.medianBlur(cv2.dilate(grey, np.ones((7, 7), np.uint8)), k if k % 2 else k + 1)
    norm = np.asarray(cv2.divide(grey, np.maximum(paper, 1), scale=255), dtype=np.uint8)
    if discs is not None and discs.any():
        # what is left of a seal's strokes in the red channel is mid-grey, printed black ink is darker: inside a
        # seal's disc, the lightest third of the tones is turned to paper and the rest stretched over the range
        lifted = np.clip(norm.astype(np.float32) * (255.0 / SEAL_LIFT), 0, 255).astype(np.uint8)
        norm = np.where(discs, lifted, norm)
    return _despeckle(norm)


SEAL_LIFT = 170  # the tone (0-255, after the paper is divided out) from which a seal's disc is paper


def _red(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The red pixels of a page, and the discs of its seals: a blob of strongly red pixels (a seal's ring, star and
    ring of text) and everything within its enclosing circle. A JPEG scan keeps colour at half resolution, so a
    seal's thin strokes lose most of their red and fail the per-pixel test; the disc catches them, and inside it
    the red channel is read, in which black ink is dark and red ink, smeared or not, light."""
    import cv2
    import numpy as np

    r, g, b = rgb[..., 0].astype(np.int16), rgb[..., 1].astype(np.int16), rgb[..., 2].astype(np.int16)
    redness = r - np.maximum(g, b)
    discs = np.zeros(redness.shape, np.uint8)
    strong = (redness > 60).astype(np.uint8)
    if strong.sum() >= SEAL_PIXELS:
        n, labels = cv2.connectedComponents(cv2.dilate(strong, np.ones((25, 25), np.uint8)), connectivity=8)
        for k in range(1, n):
            ys, xs = np.nonzero((labels == k) & (strong > 0))
            if len(ys) < SEAL_PIXELS:
                continue
            (x, y), radius = cv2.minEnclosingCircle(np.column_stack([xs, ys]).astype(np.float32))
            cv2.circle(discs, (round(x), round(y)), int(radius * 1.08) + 6, 1, thickness=-1)
    return redness > 40, discs.astype(bool)


SEAL_PIXELS = 500  # strongly red pixels (at 150 dpi) that make a seal: fewer are red text or a red line


def _despeckle(grey: np.ndarray) -> np.ndarray:
    """Specks (dust, scanner noise) turned to paper: OCR reads a speck beside a number as a point (".500",
    "71."). A speck is a blot of at most 12 pixels with no black core (a JPEG-blurred dot), or of at most 3; a
    printed full stop or decimal point is larger and black at its centre."""
    import cv2
    import numpy as np

    n, labels, stats, _ = cv2.connectedComponentsWithStats((grey < 200).astype(np.uint8), connectivity=8)
    area = stats[:, cv2.CC_STAT_AREA]
    cored = np.zeros(n, bool)
    cored[np.unique(labels[grey < 110])] = True
    speck = (area <= 3) | ((area <= 12) & ~cored)
    speck[0] = False
    if not speck.any():
        return grey
    out = grey.copy()
    out[speck[labels]] = 255
    return out


def _ink(grey: np.ndarray) -> np.ndarray:
    """Ink as 1, paper as 0 (Otsu's threshold, with a floor so a blank page stays blank)."""
    import cv2
    import numpy as np

    t, _ = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return (grey < min(t, 200)).astype(np.uint8)


def skew_angle(grey: np.ndarray, max_skew: float = 4.0) -> float:
    """Degrees to turn the page by (counter-clockwise positive, as cv2 turns) so its lines are level: the angle
    whose row profile of ink is sharpest, coarse then fine, on a reduced page."""
    import cv2
    import numpy as np

    ink = _ink(grey)
    scale = 1000 / max(ink.shape)
    small = cv2.resize(ink * 255, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else ink * 255
    small = small.astype(np.float32)
    h, w = small.shape
    centre = (w / 2, h / 2)

    def sharpness(angle: float) -> float:
        m = cv2.getRotationMatrix2D(centre, angle, 1.0)
        turned = cv2.warpAffine(small, m, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
        rows = turned.sum(axis=1)
        return float(np.square(np.diff(rows)).sum())

    best = 0.0
    for step, span in ((0.5, max_skew), (0.1, 0.5), (0.02, 0.1)):
        candidates = np.arange(best - span, best + span + step / 2, step)
        best = max(candidates, key=sharpness)
    return float(round(best, 2))


def _rotate(grey: np.ndarray, angle: float) -> np.ndarray:
    import cv2

    h, w = grey.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(grey, m, (w, h), flags=cv2.INTER_CUBIC, borderValue=255)


def ruling_lines(grey: np.ndarray, px: float) -> tuple[list[HEdge], list[VEdge], np.ndarray]:
    """The table's rules: runs of ink at least 1/25 of the page long and a few pixels thick, as edges in points
    (``px``: points per pixel), and their pixels (1 on a rule), to be taken out of what OCR reads: a rule's edge
    beside a digit is read as a point ("17.")."""
    import cv2
    import numpy as np

    ink = _ink(grey)
    h, w = ink.shape
    out_h: list[HEdge] = []
    out_v: list[VEdge] = []
    mask = np.zeros_like(ink)
    for horizontal in (True, False):
        length = max(20, (w if horizontal else h) // 25)
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1) if horizontal else (1, length))
        lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel)
        # bridge the gaps a speck of paper or a broken scan line leaves in a rule
        bridge = cv2.getStructuringElement(cv2.MORPH_RECT, (9, 1) if horizontal else (1, 9))
        lines = cv2.morphologyEx(lines, cv2.MORPH_CLOSE, bridge)
        mask |= lines
        n, _, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
        for k in range(1, n):
            x, y, bw, bh, _ = stats[k]
            if horizontal and bw >= length and bh <= max(8, bw // 20):
                out_h.append((round((y + bh / 2) * px, 2), round(x * px, 2), round((x + bw) * px, 2)))
            elif not horizontal and bh >= length and bw <= max(8, bh // 20):
                out_v.append((round((x + bw / 2) * px, 2), round(y * px, 2), round((y + bh) * px, 2)))
    return out_h, out_v, cv2.dilate(mask, np.ones((3, 3), np.uint8))


# --- the text ---------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class OcrChar(Char):
    """A character OCR read, with its box's confidence."""

    confidence: float = 1.0


# a point before or after the digits of a box: on grain or beside a rule the recogniser sees one that is not there
# ("5.", ".8"); a count never ends in a point (a decimal keeps its inner point: "12.5")
_STRAY_POINT = re.compile(r"^[.\u00b7,\uff0c\u3002]+(\d+)$|^(\d+)[.\u00b7,\uff0c\u3002]+$")


def _width(ch: str) -> float:
    return 1.0 if is_cjk(ch) else 0.55


# a box of digits in which the recogniser put a letter o for a zero ("o", "1o"): read as the zero it is, but held
# below the gate's default threshold, so the number is null unless the arithmetic gives it (as it gives 0 to the
# parts of a total already met)
_LETTER_ZERO = re.compile(r"^[\doO]*[oO][\doO]*$")
LETTER_ZERO_CONFIDENCE = 0.85


def chars_of(box: Iterable[Iterable[float]], text: str, score: float, px: float) -> list[Char]:
    """One OCR'd text box cut into characters across its width (in points, ``px`` per pixel); spaces are gaps."""
    text = _STRAY_POINT.sub(lambda m: m.group(1) or m.group(2), text.strip())
    if _LETTER_ZERO.match(text):
        text, score = text.replace("o", "0").replace("O", "0"), min(score, LETTER_ZERO_CONFIDENCE)
    pts = [tuple(p) for p in box]
    x0, x1 = min(p[0] for p in pts) * px, max(p[0] for p in pts) * px
    top, bottom = min(p[1] for p in pts) * px, max(p[1] for p in pts) * px
    text = text.strip()
    if not text or x1 <= x0 or bottom <= top:
        return []
    weights = [_width(c) if not c.isspace() else 0.5 for c in text]
    unit = (x1 - x0) / sum(weights)
    size = (bottom - top) * 0.8  # a detection box is a little taller than the glyphs
    out: list[Char] = []
    x = x0
    for c, wgt in zip(text, weights):
        nx = x + wgt * unit
        if not c.isspace():
            out.append(OcrChar(c, round(x, 2), round(top, 2), round(nx, 2), round(bottom, 2), size, True, float(score)))
        x = nx
    return out


def _unique_chars(boxes: list[list[Char]]) -> list[Char]:
    """The characters of all boxes, each read once: the detector sometimes returns two overlapping boxes on one
    line ("24" and "4155" over the cells 24 | 155), and the overlap's characters would be read twice ("244").
    Narrower boxes are taken first; a character of a wider one whose centre lies in a box already taken on the
    same line is dropped."""
    taken: list[tuple[float, float, float, float]] = []
    out: list[Char] = []
    for chars in sorted((b for b in boxes if b), key=lambda b: b[-1].x1 - b[0].x0):
        x0, x1 = chars[0].x0, chars[-1].x1
        top, bottom = min(c.top for c in chars), max(c.bottom for c in chars)
        for c in chars:
            cx = (c.x0 + c.x1) / 2
            if not any(
                a0 <= cx <= a1 and min(bottom, ab) - max(top, at) > 0.5 * min(bottom - top, ab - at)
                for a0, at, a1, ab in taken
            ):
                out.append(c)
        taken.append((x0, top, x1, bottom))
    return out


@dataclass
class OcrPage:
    content: PageContent
    skew: float


def read_image(rgb: np.ndarray, number: int, dpi: float, settings: OcrSettings) -> OcrPage:
    """One page image (RGB or grey array) as the characters and rules the PDF reader lays out."""
    grey = _grey(rgb, settings)
    px = 72.0 / dpi
    h, w = grey.shape
    if _ink(grey).mean() < 1e-4:  # a blank page: nothing to read, and detection would cost as much as a full one
        return OcrPage(PageContent(number=number, width=w * px, height=h * px), 0.0)
    angle = skew_angle(grey, settings.max_skew) if settings.deskew and settings.max_skew > 0 else 0.0
    if abs(angle) < settings.min_skew:
        angle = 0.0
    if angle:
        grey = _rotate(grey, angle)
    content = PageContent(number=number, width=w * px, height=h * px)
    content.h_edges, content.v_edges, rules = ruling_lines(grey, px)
    import numpy as np

    text_only = np.where(rules > 0, 255, grey).astype(np.uint8)
    result, _ = _engine(settings.threads, settings.box_score, settings.det_max_side)(np.ascontiguousarray(text_only))
    content.chars = _unique_chars([chars_of(box, str(text), float(score), px) for box, text, score in result or []])
    content.chars.sort(key=lambda c: (c.top, c.x0))
    return OcrPage(content, angle)


def _render(pdf: Any, index: int, dpi: int) -> np.ndarray:
    import numpy as np

    page = pdf[index]
    try:
        bitmap = page.render(scale=dpi / 72, grayscale=False)
        try:
            return np.array(bitmap.to_numpy()[..., :3][..., ::-1] if bitmap.mode == "BGR" else bitmap.to_numpy()[..., :3])
        finally:
            bitmap.close()
    finally:
        page.close()


def blank_pages(data: bytes) -> list[int]:
    """The 0-based pages of a PDF with no text layer (fewer than 5 characters) but an image: the ones OCR reads."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    pdf = pdfium.PdfDocument(data)
    try:
        out = []
        for i in range(len(pdf)):
            page = pdf[i]
            text = page.get_textpage()
            if text.count_chars() < 5 and next(iter(page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE])), None):
                out.append(i)
            text.close()
            page.close()
        return out
    finally:
        pdf.close()


def _confidences(doc_runs: list[dict[str, Any]], pages: dict[int, list[Char]]) -> None:
    """Each run on an OCR'd page gets the lowest confidence of the characters whose centre is in its box."""
    for run in doc_runs:
        chars = pages.get(run["page"])
        if chars is None:
            continue
        x0, top, x1, bottom = run["bbox"]
        inside = [
            c.confidence
            for c in chars
            if isinstance(c, OcrChar) and x0 - 0.5 <= (c.x0 + c.x1) / 2 <= x1 + 0.5 and top - 0.5 <= (c.top + c.bottom) / 2 <= bottom + 0.5
        ]
        run["confidence"] = round(min(inside), 4) if inside else 0.0


def _document(contents: list[PageContent], ocr_pages: dict[int, list[Char]], source: str, fmt: str,
              findings: list[Finding]) -> Document:
    from .pdf import _blocks, _drop_furniture, _page_items

    pages = [_page_items(c) for c in contents]
    _drop_furniture(pages)
    text, runs = assemble(_blocks(pages))
    _confidences(runs, ocr_pages)
    return Document(source=source, format=fmt, text=text, runs=runs, findings=findings)


def _skew_finding(skews: dict[int, float]) -> list[Finding]:
    turned = {p: a for p, a in skews.items() if a}
    if not turned:
        return []
    said = ", ".join(f"page {p}: {a:+.2f}" for p, a in sorted(turned.items()))
    return [Finding(kind=FindingKind.OCR, stage="read", message=f"scanned askew, turned level before OCR ({said} degrees)")]


def read_pdf_ocr(data: bytes, source: str, blank: list[int], settings: OcrSettings = DEFAULT_OCR) -> Document:
    """A PDF whose pages ``blank`` (0-based) have no text layer: those pages OCR'd, the others read from their
    text layer, all laid out together (a table continued from a text page onto a scanned one stays one table)."""
    need()
    import pypdfium2 as pdfium

    from ._pdfium import read_page

    pdf = pdfium.PdfDocument(data)
    contents: list[PageContent] = []
    ocr_chars: dict[int, list[Char]] = {}
    skews: dict[int, float] = {}
    try:
        for i in range(len(pdf)):
            if i in blank:
                page = read_image(_render(pdf, i, settings.dpi), i + 1, settings.dpi, settings)
                contents.append(page.content)
                ocr_chars[i + 1] = page.content.chars
                skews[i + 1] = page.skew
            else:
                contents.append(read_page(pdf, i))
    finally:
        pdf.close()
    findings = [
        Finding(
            kind=FindingKind.OCR,
            stage="read",
            message=f"{len(blank)} of {len(contents)} page(s) have no text layer and were read by OCR "
            f"(pages {', '.join(str(i + 1) for i in blank)}); their numbers are kept only where the recogniser "
            "was sure and the arithmetic holds",
        )
    ] + _skew_finding(skews)
    fmt = "ocr" if len(blank) == len(contents) else "pdf"
    return _document(contents, ocr_chars, source, fmt, findings)


def image_kind(data: bytes) -> Optional[str]:
    """PNG, JPEG or TIFF by the first bytes (the images OCR reads), else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return "TIFF"
    return None


def read_image_file(data: bytes, source: str, limits: Limits, settings: OcrSettings = DEFAULT_OCR) -> Document:
    """A PNG, JPEG or TIFF (every frame of a multi-page TIFF) read by OCR. Its resolution is the file's own
    (DPI tag), 150 where it names none."""
    need()
    import numpy as np
    from PIL import Image, ImageSequence

    name = short(source)
    try:
        img = Image.open(io.BytesIO(data))
        frames = []
        for k, frame in enumerate(ImageSequence.Iterator(img)):
            if limits.max_pdf_pages is not None and k >= limits.max_pdf_pages:
                raise TooLarge(f"{name}: an image of more than {limits.max_pdf_pages:,} pages (Limits.max_pdf_pages)")
            dpi = frame.info.get("dpi", (150, 150))[0] or 150
            frames.append((np.array(frame.convert("RGB")), float(dpi)))
    except TooLarge:
        raise
    except Image.DecompressionBombError:
        raise TooLarge(f"{name}: an image of too many pixels to decode safely") from None
    except (OSError, ValueError, SyntaxError):
        kind = image_kind(data) or "image"
        raise ReadError(f"{name}: cannot decode the {kind} image: damaged or truncated") from None
    contents: list[PageContent] = []
    ocr_chars: dict[int, list[Char]] = {}
    skews: dict[int, float] = {}
    for k, (rgb, dpi) in enumerate(frames):
        dpi = dpi if 50 <= dpi <= 1200 and not math.isnan(dpi) else 150.0
        page = read_image(rgb, k + 1, dpi, settings)
        contents.append(page.content)
        ocr_chars[k + 1] = page.content.chars
        skews[k + 1] = page.skew
    findings = [
        Finding(kind=FindingKind.OCR, stage="read",
                message=f"an image read by OCR ({len(frames)} page(s)); its numbers are kept only where the recogniser "
                "was sure and the arithmetic holds")
    ] + _skew_finding(skews)
    return _document(contents, ocr_chars, source, "ocr", findings)
