"""Hostile and junk inputs of issue 15, built on the fly (one small file, tests/junk/encrypted_user_password.pdf,
is kept: a blank page encrypted by ``qpdf --encrypt secret owner 256``). Used by tests/test_robust.py and
benchmarks/hostile.py (time and peak memory per input)."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent
FIXTURES = ROOT / "fixtures"
JUNK = ROOT / "junk"
MiB = 1024 * 1024


# a real package's two small parts, so python-docx goes on to load word/document.xml (and inflates it whole)
_TYPES = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS = (
    b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"'
    b' Target="word/document.xml"/></Relationships>'
)


def zip_bomb(inflated: int = 1100 * MiB, name: str = "word/document.xml") -> bytes:
    """A ZIP (named .docx by the caller) whose ``word/document.xml`` inflates to ``inflated`` bytes of zeros from
    about a thousandth of that: 1 MiB of zeros deflated with a full flush is a byte-aligned run of blocks that
    can be repeated, then closed by a final empty block. The CRC is right, so only a size check stops it."""
    chunk = b"\0" * MiB
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
    tail = comp.flush(zlib.Z_FINISH)
    n = inflated // MiB
    data = block * n + tail
    crc = 0
    for _ in range(n):
        crc = zlib.crc32(chunk, crc)
    size = n * MiB
    fname = name.encode()
    out = io.BytesIO()
    entries = []
    for entry, payload, method, usize, ecrc in (
        (b"[Content_Types].xml", _TYPES, 0, len(_TYPES), zlib.crc32(_TYPES)),
        (b"_rels/.rels", _RELS, 0, len(_RELS), zlib.crc32(_RELS)),
        (fname, data, 8, size, crc),
    ):
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, ecrc, len(payload), usize, len(entry), 0))
        out.write(entry + payload)
        entries.append((entry, method, ecrc, len(payload), usize, offset))
    cd = out.tell()
    for entry, method, ecrc, csize, usize, offset in entries:
        out.write(
            struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0, ecrc, csize, usize, len(entry), 0, 0, 0, 0, 0, offset)
        )
        out.write(entry)
    end = out.tell()
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), end - cd, cd, 0))
    return out.getvalue()


def nested_html(depth: int = 300) -> bytes:
    """A report's table inside ``depth`` nested divs: libxml2 drops what is below 255 levels."""
    table = "<table><tr><td>规章</td><td>1</td><td>0</td><td>3</td></tr></table>"
    body = "<div>" * depth + "<h1>某某区2023年政府信息公开工作年度报告</h1>" + table + "</div>" * depth
    return f"<html><body>{body}</body></html>".encode()


def many_rows_html(rows: int) -> bytes:
    body = "".join(f"<tr><td>{i}</td><td>{i}</td></tr>" for i in range(rows))
    return f"<html><body><h1>某某区2023年政府信息公开工作年度报告</h1><table>{body}</table></body></html>".encode()


def random_bytes(n: int = 200_000, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(n)


def truncated_pdf(fraction: float = 0.5) -> bytes:
    data = (FIXTURES / "corpus" / "003_huaian-gov-2024.pdf").read_bytes()
    return data[: int(len(data) * fraction)]


def corrupt_pdf() -> bytes:
    return b"%PDF-1.4\n" + random_bytes(5000, seed=1)


def scan_pdf(pages: int = 3) -> bytes:
    """Pages with an image and no text layer: a scan."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    pdf = pdfium.PdfDocument.new()
    for _ in range(pages):
        page = pdf.new_page(595, 842)
        bitmap = pdfium.PdfBitmap.new_native(40, 40, raw.FPDFBitmap_BGR)
        bitmap.fill_rect((0, 0, 0, 255), 5, 5, 30, 30)
        image = pdfium.PdfImage.new(pdf)
        image.set_bitmap(bitmap)
        image.set_matrix(pdfium.PdfMatrix().scale(500, 700).translate(40, 60))
        page.insert_obj(image)
        page.gen_content()
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def encrypted_pdf() -> bytes:
    return (JUNK / "encrypted_user_password.pdf").read_bytes()


def html_error_page() -> bytes:
    """A failed download: the server's error page, saved under the report's .pdf name."""
    return b"<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1><hr><center>nginx</center></body></html>"


def xlsx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
    return out.getvalue()


def zip_of_reports() -> bytes:
    """An archive of reports (not a document): giar reads documents, not archives."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(FIXTURES / "seeds" / "000.txt", "000.txt")
    return out.getvalue()


def ole_doc() -> bytes:
    """The first bytes of a Word 97-2003 .doc (an OLE2 compound file)."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "WordDocument".encode("utf-16-le") + bytes(2000)


def png() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + bytes(200)


NEWS_ARTICLE = (
    "我市召开2024年优化营商环境工作推进会\n"
    "来源：市政府办公室  发布时间：2024-03-15\n"
    "3月14日下午，我市召开优化营商环境工作推进会，总结去年工作，部署今年任务。\n"
    "会议指出，过去一年全市上下坚持以企业需求为导向，持续深化“放管服”改革，政务服务事项网上可办率达到98%。\n"
    "会议要求，各地各部门要进一步提高站位，压实责任，推动营商环境持续优化。\n"
)

BUDGET_REPORT = (
    "某某市教育局2024年部门预算公开\n"
    "第一部分 部门概况\n"
    "一、部门主要职责\n"
    "二、部门预算单位构成\n"
    "第二部分 2024年部门预算情况说明\n"
    "一、收支预算总体情况\n"
    "2024年收入预算12345.67万元，支出预算12345.67万元。\n"
    "二、一般公共预算拨款支出情况\n"
    "项目\t金额\n"
    "教育支出\t11000.00\n"
    "社会保障和就业支出\t1345.67\n"
)

OLD_TEMPLATE_REPORT = (
    "某某县人民政府2018年政府信息公开工作年度报告\n"
    "一、概述\n"
    "2018年，我县认真贯彻落实《中华人民共和国政府信息公开条例》。\n"
    "二、主动公开政府信息情况\n"
    "统计指标\t单位\t统计数\n"
    "一、主动公开情况\t\t\n"
    "（一）主动公开政府信息数\t条\t1520\n"
    "二、回应解读情况\t\t\n"
    "三、依申请公开情况\t\t\n"
    "（一）收到申请数\t件\t35\n"
    "1.当面申请数\t件\t10\n"
    "2.传真申请数\t件\t0\n"
    "3.网络申请数\t件\t20\n"
    "4.信函申请数\t件\t5\n"
    "（二）申请办结数\t件\t35\n"
    "1.按时办结数\t件\t35\n"
    "2.延期办结数\t件\t0\n"
    "四、行政复议数量\t件\t1\n"
    "（一）维持具体行政行为数\t件\t1\n"
    "（二）被依法纠错数\t件\t0\n"
    "六、举报投诉数量\t件\t0\n"
)


def junk_files(tmp: Path) -> dict[str, Path]:
    """Every hostile file of the issue written under ``tmp`` with the name a corpus would give it (no zip bomb:
    see :func:`zip_bomb`)."""
    made: dict[str, bytes | str] = {
        "encrypted.pdf": encrypted_pdf(),
        "truncated.pdf": truncated_pdf(),
        "corrupt.pdf": corrupt_pdf(),
        "scan.pdf": scan_pdf(),
        "random.bin": random_bytes(),
        "random.txt": random_bytes(seed=2),
        "error-page.pdf": html_error_page(),
        "nested.html": nested_html(),
        "sheet.docx": xlsx(),
        "reports.zip": zip_of_reports(),
        "old.doc": ole_doc(),
        "page.png": png(),
        "news.txt": NEWS_ARTICLE,
        "budget.txt": BUDGET_REPORT,
        "old-template.txt": OLD_TEMPLATE_REPORT,
    }
    out = {}
    for name, data in made.items():
        path = tmp / name
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
        out[name] = path
    return out


BUILDERS: dict[str, Callable[[], bytes]] = {
    "encrypted.pdf": encrypted_pdf,
    "truncated.pdf": truncated_pdf,
    "corrupt.pdf": corrupt_pdf,
    "scan.pdf": scan_pdf,
    "random.bin": random_bytes,
    "error-page.pdf": html_error_page,
    "nested.html": nested_html,
    "sheet.docx": xlsx,
    "old.doc": ole_doc,
    "page.png": png,
}
