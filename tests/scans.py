"""Scans made from the fixtures (issue 17): a fixture's gold is printed to PDF as a browser prints it
(tests/formats.py), its pages rasterised as a scanner at 150 dpi would, and degraded, deterministically (a fixed
seed per document and page):

- ``clean``: the page as scanned, nothing more;
- ``skewed``: turned 1 to 2 degrees (either way), with speckle (scattered dark specks and grain);
- ``sealed``: a grey, uneven paper tone and a red round seal with its ring of text and star stamped over the
  table's cells, as a body stamps its printed report.

The result is an image-only PDF (no text layer: what giar is given as a scan) or PNG pages.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import tempfile
import zlib
from pathlib import Path
from typing import Optional

import numpy as np
from PIL import Image, ImageDraw, ImageFont

import formats

DEGRADATIONS = ("clean", "skewed", "sealed")
DPI = 150
SEAL_TEXT = "\u4eba\u6c11\u653f\u5e9c\u529e\u516c\u5ba4\u653f\u52a1\u516c\u5f00\u4e13\u7528\u7ae0"  # the seal's ring


def _seed(*parts: object) -> int:
    return zlib.crc32("/".join(map(str, parts)).encode())


def printed_pdf(gold: dict, folder: Path, name: str, extra_css: str = "") -> Path:
    """The fixture printed by Chromium, as the PDF round-trip tests print it."""
    html = folder / f"{name}.html"
    html.write_text(formats.to_html(gold, extra_css=extra_css), encoding="utf-8")
    return formats.to_pdf(html, folder / f"{name}.printed.pdf")


def rasterise(pdf_path: Path, dpi: int = DPI) -> list[Image.Image]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        return [pdf[i].render(scale=dpi / 72).to_pil().convert("RGB") for i in range(len(pdf))]
    finally:
        pdf.close()


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    fc = shutil.which("fc-match")
    if fc:
        path = subprocess.run([fc, "-f", "%{file}", "WenQuanYi Zen Hei:lang=zh"], capture_output=True, text=True,
                              timeout=30).stdout.strip()
        if path:
            return ImageFont.truetype(path, size)
    return ImageFont.load_default()


def skew(page: Image.Image, seed: int) -> Image.Image:
    """Turned 1 to 2 degrees either way, then speckled: specks of ink and grain over the page."""
    rng = np.random.default_rng(seed)
    angle = float(rng.uniform(1.0, 2.0) * rng.choice([-1, 1]))
    turned = page.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=(255, 255, 255))
    a = np.asarray(turned).astype(np.int16)
    a = a + rng.normal(0, 6, a.shape[:2])[..., None].astype(np.int16)  # grain
    specks = rng.random(a.shape[:2]) < 0.0015
    a[specks] = rng.integers(0, 90, (int(specks.sum()), 1))
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def seal(page: Image.Image, seed: int, where: Optional[tuple[float, float]] = None) -> Image.Image:
    """A grey uneven paper tone, and a red seal (ring, star, ring of text) over the page at ``where`` (fractions
    of width and height; by default over the right-hand columns of the table's middle), multiplied in as ink is."""
    rng = np.random.default_rng(seed)
    w, h = page.size
    a = np.asarray(page).astype(np.float32) / 255
    # paper: grey, darker towards one corner
    yy, xx = np.mgrid[0:h, 0:w]
    tone = 0.86 + 0.06 * (xx / w) * (yy / h) + rng.normal(0, 0.01, (h, w))
    a = a * tone[..., None]
    # the seal, drawn as red ink on a transparent layer
    r = int(w * 0.11)
    cx, cy = where or (float(rng.uniform(0.55, 0.75)), float(rng.uniform(0.35, 0.6)))
    cx, cy = int(cx * w), int(cy * h)
    layer = Image.new("L", (2 * r + 4, 2 * r + 4), 0)
    d = ImageDraw.Draw(layer)
    c = r + 2
    d.ellipse((2, 2, 2 * r + 2, 2 * r + 2), outline=255, width=max(3, r // 18))
    star = [(c + r * 0.28 * math.cos(math.pi / 2 + k * math.pi / 5) * (1 if k % 2 == 0 else 0.4),
             c - r * 0.28 * math.sin(math.pi / 2 + k * math.pi / 5) * (1 if k % 2 == 0 else 0.4)) for k in range(10)]
    d.polygon(star, fill=255)
    font = _font(max(10, r // 5))
    n = len(SEAL_TEXT)
    for k, ch in enumerate(SEAL_TEXT):
        ang = math.radians(210 - k * 240 / (n - 1))
        glyph = Image.new("L", (r // 4 + 4, r // 4 + 4), 0)
        ImageDraw.Draw(glyph).text((2, 0), ch, fill=255, font=font)
        glyph = glyph.rotate(math.degrees(ang) - 90, expand=True)
        gx = int(c + r * 0.72 * math.cos(ang) - glyph.size[0] / 2)
        gy = int(c - r * 0.72 * math.sin(ang) - glyph.size[1] / 2)
        layer.paste(255, (gx, gy), glyph)
    mask = np.zeros((h, w), np.float32)
    x0, y0 = cx - c, cy - c
    lm = np.asarray(layer).astype(np.float32) / 255 * 0.85
    sx0, sy0 = max(0, -x0), max(0, -y0)
    ex, ey = min(layer.size[0], w - x0), min(layer.size[1], h - y0)
    mask[y0 + sy0 : y0 + ey, x0 + sx0 : x0 + ex] = lm[sy0:ey, sx0:ex]
    red = np.array([0.86, 0.12, 0.14], np.float32)
    a = a * (1 - mask[..., None] * (1 - red))  # multiplied: black stays black under the red
    return Image.fromarray(np.clip(a * 255, 0, 255).astype(np.uint8))


def degrade(pages: list[Image.Image], how: str, name: str) -> list[Image.Image]:
    if how == "clean":
        return pages
    if how == "skewed":
        return [skew(p, _seed(name, how, k)) for k, p in enumerate(pages)]
    if how == "sealed":
        return [seal(p, _seed(name, how, k)) for k, p in enumerate(pages)]
    raise ValueError(how)


def image_pdf(pages: list[Image.Image], path: Path, dpi: int = DPI) -> Path:
    """Pages as an image-only PDF: a scan, no text layer."""
    pages[0].save(path, "PDF", save_all=True, append_images=pages[1:], resolution=float(dpi))
    return path


def make_scan(gold_path: Path, how: str, folder: Path, fmt: str = "pdf") -> Path:
    """The fixture of ``gold_path`` as a scan degraded ``how``, in ``folder``: ``name.pdf`` (image only), or
    ``name.png``: the whole report printed on one long page (a photographed or stitched report)."""
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    name = gold_path.name[: -len(".gold.json")]
    css = "@page { size: 210mm 640mm; }" if fmt == "png" else ""
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        pages = rasterise(printed_pdf(gold, Path(tmp), name, css))
    pages = degrade(pages, how, name)
    if fmt == "png":
        out = folder / f"{name}.png"
        pages[0].save(out, dpi=(DPI, DPI))
        return out
    return image_pdf(pages, folder / f"{name}.pdf")
