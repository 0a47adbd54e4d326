"""Measure pdfplumber against pypdfium2 as the engine of giar's PDF reader.

Run from the repo root: ``python benchmarks/pdf_libs.py``. It prints, per corpus PDF and library:

- speed: pages/s to get every character with its box, to get words, and (pdfplumber only: pypdfium2 has no
  table finder) to find ruled tables;
- correctness: characters with a usable box, CJK/digit counts and how far the two libraries disagree on them,
  chars set rotated / not upright, and whether rows read by eye from the rendered pages come out as one line of
  "label numbers…" when the characters are grouped into lines by position (same grouping code for both);
- structure: ruling lines/rects (pdfplumber) or path objects (pypdfium2) and tables found.

The results and the choice are written up in benchmarks/pdf_libs.md.
"""

from __future__ import annotations

import collections
import time
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "corpus"
FILES = ["003_huaian-gov-2024.pdf", "004_hongze-district-2023.pdf", "005_hongze-district-2024.pdf"]
REPEAT = 3

# Rows read by eye from the rendered pages (pdftoppm): a label and the numbers printed on its row.
EXPECTED_ROWS = {
    "003_huaian-gov-2024.pdf": [
        ("一、本年新收政府信息公开申请数量", "3001 53 0 0 61 4 3119"),
        ("二、上年结转政府信息公开申请数量", "34 0 0 0 0 0 34"),
        ("1.属于国家秘密", "2 0 0 0 0 0 2"),
        ("8.属于行政查询事项", "105 0 0 0 0 0 105"),
        ("1.本机关不掌握相关政府信息", "746 12 0 0 10 1 769"),
        ("3、其他", "108 2 0 0 0 0 110"),
        ("（七）总计", "2932 53 0 0 61 4 3050"),
        ("四、结转下年度继续办理", "103 0 0 0 0 0 103"),
        ("", "72 64 178 37 351 13 4 8 1 26 12 1 1 6 20"),
    ],
    "004_hongze-district-2023.pdf": [
        ("一、本年新收政府信息公开申请数量", "21 0 0 0 0 0 21"),
        ("1.本机关不掌握相关政府信息", "10 0 0 0 0 0 10"),
        ("（七）总计", "21 0 0 0 0 0 21"),
        ("", "10 1 0 0 0 0 0 0 0 0 5 0 0 0 0"),
    ],
    "005_hongze-district-2024.pdf": [
        ("一、本年新收政府信息公开申请数量", "95 0 0 0 0 0 95"),
        ("（一）予以公开", "50 0 0 0 0 0 50"),
        ("1.本机关不掌握相关政府信息", "31 0 0 0 0 0 31"),
        ("（七）总计", "95 0 0 0 0 0 95"),
        ("", "1 1 0 0 2 1 0 0 0 1 2 0 1 0 3"),
    ],
}


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef"


def best_of(fn, repeat: int = REPEAT):
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


# --- the same line grouping for both libraries: (text, x0, top, x1, bottom) chars, top-down coordinates ---


def group_lines(chars: list[tuple[str, float, float, float, float]]) -> list[str]:
    """A char joins the current line when its middle falls inside the line's vertical extent (so a 14pt number
    and a 9pt label on one table row stay together)."""
    lines: list[list] = []
    for ch in sorted(chars, key=lambda c: ((c[2] + c[4]) / 2, c[1])):
        mid = (ch[2] + ch[4]) / 2
        if lines and lines[-1][0] <= mid <= lines[-1][1]:
            lines[-1][2].append(ch)
        else:
            lines.append([ch[2], ch[4], [ch]])
    out = []
    for _, _, cs in lines:
        cs.sort(key=lambda c: c[1])
        parts, prev = [], None
        for c in cs:
            if prev is not None and c[1] - prev[3] > 2.5:  # a visible gap: a cell or word boundary
                parts.append(" ")
            parts.append(c[0])
            prev = c
        out.append("".join(parts).strip())
    return out


def row_found(lines: list[str], label: str, numbers: str) -> bool:
    want = numbers.split()
    for line in lines:
        squashed = line.replace(" ", "")
        if label and label not in squashed:
            continue
        tokens = line.replace(label, " ").split() if label else line.split()
        nums = [t for t in tokens if t.replace(".", "").isdigit()]
        if nums == want:
            return True
    return False


# --- pdfplumber ---------------------------------------------------------------------------------------


def plumber_chars(data_path: Path):
    pages = []
    with pdfplumber.open(data_path) as pdf:
        for page in pdf.pages:
            pages.append(
                [
                    (c["text"], c["x0"], c["top"], c["x1"], c["bottom"], c["upright"], c["matrix"])
                    for c in page.chars
                ]
            )
    return pages


def plumber_words(data_path: Path):
    with pdfplumber.open(data_path) as pdf:
        return [page.extract_words() for page in pdf.pages]


def plumber_tables(data_path: Path):
    with pdfplumber.open(data_path) as pdf:
        out = []
        for page in pdf.pages:
            out.append((len(page.lines), len(page.rects), [len(t.rows) for t in page.find_tables()]))
        return out


# --- pypdfium2 ----------------------------------------------------------------------------------------


def pdfium_chars(data_path: Path):
    pages = []
    doc = pdfium.PdfDocument(str(data_path))
    try:
        for page in doc:
            height = page.get_height()
            tp = page.get_textpage()
            text = tp.get_text_range()
            chars = []
            # get_text_range counts generated chars (\r\n) too, so index by char index, not by string offset
            for i in range(tp.count_chars()):
                code = pdfium_c.FPDFText_GetUnicode(tp, i)
                ch = chr(code) if code else ""
                if not ch or ch in "\r\n" or pdfium_c.FPDFText_IsGenerated(tp, i) == 1:
                    continue
                left, bottom, right, top = tp.get_charbox(i, loose=True)
                angle = pdfium_c.FPDFText_GetCharAngle(tp, i)
                chars.append((ch, left, height - top, right, height - bottom, abs(angle) < 1e-3, angle))
            pages.append(chars)
            assert text is not None
            tp.close()
            page.close()
    finally:
        doc.close()
    return pages


def pdfium_words(data_path: Path):
    """pdfium has no word API; its text "rects" (runs of chars on one baseline and font) are the closest."""
    doc = pdfium.PdfDocument(str(data_path))
    out = []
    try:
        for page in doc:
            tp = page.get_textpage()
            runs = []
            for i in range(tp.count_rects()):
                box = tp.get_rect(i)
                runs.append((tp.get_text_bounded(*box), box))
            out.append(runs)
            tp.close()
            page.close()
    finally:
        doc.close()
    return out


def pdfium_paths(data_path: Path):
    doc = pdfium.PdfDocument(str(data_path))
    out = []
    try:
        for page in doc:
            kinds = collections.Counter(obj.type for obj in page.get_objects())
            out.append(kinds.get(pdfium_c.FPDF_PAGEOBJ_PATH, 0))
            page.close()
    finally:
        doc.close()
    return out


# --- report -------------------------------------------------------------------------------------------


def char_stats(pages) -> dict:
    chars = [c for page in pages for c in page]
    boxed = [c for c in chars if c[3] > c[1] and c[4] > c[2]]
    text = "".join(c[0] for c in chars if not c[0].isspace())
    return {
        "chars": len(text),
        "boxed": len(boxed) / max(1, len(chars)),
        "cjk": sum(is_cjk(ch) for ch in text),
        "digits": sum(ch.isdigit() for ch in text),
        "not_upright": sum(1 for c in chars if not c[5]),
        "multiset": collections.Counter(text),
    }


def main() -> None:
    print(f"pdfplumber {pdfplumber.__version__}, pypdfium2 {pdfium.version.PYPDFIUM_INFO}")
    print(f"best of {REPEAT} runs; speed in pages/s\n")
    totals = collections.defaultdict(float)
    total_pages = 0
    for name in FILES:
        path = CORPUS / name
        with pdfplumber.open(path) as pdf:
            n_pages = len(pdf.pages)
        total_pages += n_pages

        t_pc, p_chars = best_of(lambda: plumber_chars(path))
        t_pw, p_words = best_of(lambda: plumber_words(path))
        t_pt, p_tables = best_of(lambda: plumber_tables(path))
        t_fc, f_chars = best_of(lambda: pdfium_chars(path))
        t_fw, f_words = best_of(lambda: pdfium_words(path))
        t_fp, f_paths = best_of(lambda: pdfium_paths(path))
        for key, val in [("p_chars", t_pc), ("p_words", t_pw), ("p_tables", t_pt), ("f_chars", t_fc),
                         ("f_words", t_fw), ("f_paths", t_fp)]:
            totals[key] += val

        ps, fs = char_stats(p_chars), char_stats(f_chars)
        diff = (ps["multiset"] - fs["multiset"]) + (fs["multiset"] - ps["multiset"])
        p_lines = [line for page in p_chars for line in group_lines([c[:5] for c in page])]
        f_lines = [line for page in f_chars for line in group_lines([c[:5] for c in page])]
        rows = EXPECTED_ROWS[name]
        p_ok = sum(row_found(p_lines, lab, nums) for lab, nums in rows)
        f_ok = sum(row_found(f_lines, lab, nums) for lab, nums in rows)

        print(f"== {name}: {n_pages} pages")
        print(f"  {'':12}{'chars+box':>10}{'words':>9}{'tables':>9}  chars  boxed  CJK  digits  not-upright  rows")
        print(
            f"  {'pdfplumber':12}{n_pages / t_pc:10.1f}{n_pages / t_pw:9.1f}{n_pages / t_pt:9.1f}"
            f"  {ps['chars']:5}  {ps['boxed']:5.0%}  {ps['cjk']:4} {ps['digits']:6}  {ps['not_upright']:11}"
            f"  {p_ok}/{len(rows)}"
        )
        print(
            f"  {'pypdfium2':12}{n_pages / t_fc:10.1f}{n_pages / t_fw:9.1f}{'n/a':>9}"
            f"  {fs['chars']:5}  {fs['boxed']:5.0%}  {fs['cjk']:4} {fs['digits']:6}  {fs['not_upright']:11}"
            f"  {f_ok}/{len(rows)}"
        )
        print(f"  chars the two disagree on (multiset difference): {sum(diff.values())} {dict(diff.most_common(8))}")
        print(
            f"  words: pdfplumber {sum(map(len, p_words))} words; pypdfium2 {sum(map(len, f_words))} text rects "
            f"(e.g. {[w[0] for w in f_words[3][20:26]] if len(f_words) > 3 else ''})"
        )
        print(
            f"  structure: pdfplumber lines/rects per page {[(a, b) for a, b, _ in p_tables]}, "
            f"tables (rows) per page {[t for _, _, t in p_tables]}; pypdfium2 path objects per page {f_paths}"
        )
        missing = [lab or nums for (lab, nums) in rows if not row_found(f_lines, lab, nums)]
        if missing:
            print(f"  rows pypdfium2 positions did not give as one line: {missing}")
        missing = [lab or nums for (lab, nums) in rows if not row_found(p_lines, lab, nums)]
        if missing:
            print(f"  rows pdfplumber positions did not give as one line: {missing}")
        print()

    print(f"== all {total_pages} pages, pages/s")
    print(f"  pdfplumber: chars {total_pages / totals['p_chars']:.1f}, words {total_pages / totals['p_words']:.1f}, "
          f"find_tables {total_pages / totals['p_tables']:.1f}")
    print(f"  pypdfium2:  chars {total_pages / totals['f_chars']:.1f}, text rects {total_pages / totals['f_words']:.1f}, "
          f"path objects {total_pages / totals['f_paths']:.1f}")
    try:
        from giar.read.pdf import read_pdf
    except ImportError:  # giar not installed: the library numbers above still stand
        return
    blobs = [(CORPUS / name).read_bytes() for name in FILES]
    t_reader, _ = best_of(lambda: [read_pdf(b, "bench") for b in blobs])
    print(f"  giar read_pdf (pdfplumber, tables + text + furniture): {total_pages / t_reader:.1f}")


if __name__ == "__main__":
    main()
