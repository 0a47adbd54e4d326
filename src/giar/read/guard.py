"""What is checked around the readers, so junk gets a typed one-line error instead of an empty document: the
path (exists, a regular file, within ``Limits.max_bytes``), the bytes' kind (archives, images, Office 97-2003
files, binary data), the ZIP directory of a DOCX before anything is inflated, and a PDF's password, damage and
page count before its pages are read (and, after reading, whether it was a scan).

Kept apart from the readers themselves: the format readers turn a document into text; this module decides
whether a document may be given to them and what an empty result means.
"""

from __future__ import annotations

import io
import os
import stat
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..errors import (
    EncryptedDocument,
    NeedsOCR,
    NotAnAnnualReport,
    ReadError,
    TooLarge,
    UnsupportedFormat,
    short,
)
from ..limits import Limits
from ..model import Document, Finding
from ..status import FindingKind

# --- the path -----------------------------------------------------------------------------------------------


def _kind_of(mode: int) -> str:
    for test, what in (
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a directory"),
    ):
        if test(mode):
            return what
    return "not a regular file"


def read_file(path: Path, limits: Limits) -> bytes:
    """The bytes of a regular file within ``max_bytes``; anything else is a :class:`ReadError` naming why.

    ``stat`` never opens the file, so a FIFO or a device is refused without blocking on it."""
    name = short(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ReadError(f"{name}: no such file") from None
    except OSError as exc:
        raise ReadError(f"{name}: cannot read ({exc.strerror or type(exc).__name__})") from None
    except ValueError as exc:  # an embedded NUL byte
        raise ReadError(f"{name}: not a valid path ({exc})") from None
    if not stat.S_ISREG(st.st_mode):
        what = _kind_of(st.st_mode)
        hint = ": give the report files inside it, or the folder to `giar extract`" if what == "a directory" else ""
        raise ReadError(f"{name}: is {what}, not a document file{hint}")
    check_size(st.st_size, name, limits)
    try:
        with open(path, "rb") as f:
            data = f.read(limits.max_bytes + 1 if limits.max_bytes else -1)
    except OSError as exc:
        raise ReadError(f"{name}: cannot read ({exc.strerror or type(exc).__name__})") from None
    check_size(len(data), name, limits)  # the file grew since stat
    return data


def check_size(size: int, name: str, limits: Limits, what: str = "bytes") -> None:
    if limits.max_bytes is not None and size > limits.max_bytes:
        raise TooLarge(f"{short(name)}: {size:,} {what}, over the limit of {limits.max_bytes:,} (Limits.max_bytes)")


# --- what the bytes are ------------------------------------------------------------------------------------

_ARCHIVES = {
    b"\x1f\x8b": "a gzip archive",
    b"Rar!\x1a\x07": "a RAR archive",
    b"7z\xbc\xaf\x27\x1c": "a 7-Zip archive",
    b"\xfd7zXZ\x00": "an XZ archive",
    b"BZh": "a bzip2 archive",
    b"{\\rtf": "an RTF file (save it as DOCX or PDF)",
    b"\x7fELF": "a program (ELF)",
}
_IMAGES = {
    b"\x89PNG\r\n\x1a\n": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"II*\x00": "a TIFF image",
    b"MM\x00*": "a TIFF image",
    b"GIF8": "a GIF image",
}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
# control bytes no text file holds (TAB, LF, VT, FF, CR and ESC are allowed)
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 27)) + b"\x7f"


def screen(data: bytes, name: str, limits: Limits) -> None:
    """Refuse what no reader can make a report of, by its first bytes: archives, images (scans), Office 97-2003
    files, ZIPs that are not DOCX, binary data. PDF and DOCX pass (their checks follow); text passes."""
    head = data[:16]
    if b"%PDF-" in data[:1024]:
        return
    if head.startswith(_ZIP):
        check_zip(data, name, limits)
        return
    if head.startswith(_OLE):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise EncryptedDocument(f"{short(name)}: a password-protected Office document; save it without a password")
        raise UnsupportedFormat(
            f"{short(name)}: a Word 97-2003 document or another Office 97-2003 file (.doc, .wps, .xls); "
            "save it as DOCX or PDF"
        )
    for magic, what in _IMAGES.items():
        if head.startswith(magic) or (head.startswith(b"RIFF") and data[8:12] == b"WEBP"):
            raise NeedsOCR.scan(name, f"{what if head.startswith(magic) else 'a WebP image'}, not a text document")
    for magic, what in _ARCHIVES.items():
        if head.startswith(magic):
            raise UnsupportedFormat(f"{short(name)}: {what}, not a report document")
    if is_binary(data[:65536]):
        raise NotAnAnnualReport(f"{short(name)}: binary data of no document format giar reads, not a report")


def is_binary(head: bytes) -> bool:
    """Bytes that are no text: more than 1 in 20 are control bytes, and they are not UTF-16 text either."""
    if not head or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    controls = len(head) - len(head.translate(None, _CONTROL))
    if controls * 20 <= len(head):
        return False
    for enc in ("utf-16-le", "utf-16-be"):
        try:
            text = head[: len(head) // 2 * 2].decode(enc)
        except UnicodeDecodeError:
            continue
        if sum(1 for c in text if c.isprintable() or c.isspace()) >= 0.95 * len(text):
            return False
    return True


# --- DOCX: the ZIP directory, before anything is inflated -------------------------------------------------

_EOCD = b"PK\x05\x06"
_ALLOWED_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # what Word writes; others inflate unbounded
_OTHER_ZIPS = (
    ("xl/workbook.xml", "an Excel workbook (XLSX)"),
    ("ppt/presentation.xml", "a PowerPoint presentation (PPTX)"),
    ("OFD.xml", "an OFD document (convert it to PDF)"),
    ("content.xml", "an OpenDocument file (save it as DOCX or PDF)"),
)


def _zip_entries(data: bytes) -> Optional[int]:
    """The number of entries the ZIP's end record declares (0xFFFF: a ZIP64 directory), or None if absent."""
    at = data.rfind(_EOCD, max(0, len(data) - 65557))
    if at < 0 or at + 22 > len(data):
        return None
    return int(struct.unpack_from("<H", data, at + 10)[0])


def check_zip(data: bytes, name: str, limits: Limits) -> None:
    """A DOCX's ZIP may be opened: not too many entries (read from the end record before Python lists them),
    every part's inflated size within bounds (the sizes the directory declares; Python's zipfile never inflates
    a part past its declared size), no encryption, only the compressions Word writes. A ZIP that holds no
    ``word/document.xml`` is another kind of file."""
    n = short(name)
    entries = _zip_entries(data)
    if limits.max_docx_parts is not None and entries is not None and entries > limits.max_docx_parts:
        raise TooLarge(f"{n}: a ZIP of {entries:,} entries, over the limit of {limits.max_docx_parts:,} (Limits.max_docx_parts)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error) as exc:
        raise ReadError(f"{n}: a damaged or truncated ZIP/DOCX file ({exc})") from None
    if limits.max_docx_parts is not None and len(infos) > limits.max_docx_parts:
        raise TooLarge(f"{n}: a ZIP of {len(infos):,} entries, over the limit of {limits.max_docx_parts:,} (Limits.max_docx_parts)")
    names = {i.filename for i in infos}
    if "word/document.xml" not in names:
        what = next((w for part, w in _OTHER_ZIPS if part in names), "a ZIP archive with no word/document.xml")
        raise UnsupportedFormat(f"{n}: {what}, not a DOCX report")
    if any(i.flag_bits & 0x1 for i in infos):
        raise EncryptedDocument(f"{n}: an encrypted ZIP; giar cannot read a password-protected DOCX")
    odd = sorted({i.compress_type for i in infos} - set(_ALLOWED_COMPRESSION))
    if odd:
        raise UnsupportedFormat(f"{n}: a DOCX compressed with ZIP method {odd[0]}, which Word never writes")
    if limits.max_docx_part_bytes is not None:
        big = max(infos, key=lambda i: i.file_size)
        if big.file_size > limits.max_docx_part_bytes:
            raise TooLarge(
                f"{n}: DOCX part {big.filename} inflates to {big.file_size:,} bytes, over the limit of "
                f"{limits.max_docx_part_bytes:,} (Limits.max_docx_part_bytes); nothing was inflated"
            )
    total = sum(i.file_size for i in infos)
    if limits.max_docx_bytes is not None and total > limits.max_docx_bytes:
        raise TooLarge(
            f"{n}: DOCX parts inflate to {total:,} bytes, over the limit of {limits.max_docx_bytes:,} "
            "(Limits.max_docx_bytes); nothing was inflated"
        )


# --- PDF: opened by pdfium before the reader reads its pages ------------------------------------------------


def _complete(data: bytes) -> bool:
    return b"%%EOF" in data[-2048:]


def _damage(data: bytes) -> str:
    return "damaged" if _complete(data) else "truncated: it ends without %%EOF"


@dataclass
class PdfInfo:
    pages: int
    encrypted: bool


def open_pdf(data: bytes, name: str, limits: Limits) -> PdfInfo:
    """Open the PDF with pdfium (which rebuilds a damaged cross-reference table where it can): a password, a
    file it cannot open, or too many pages is an error before any page is read."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    n = short(name)
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code in (raw.FPDF_ERR_PASSWORD, raw.FPDF_ERR_SECURITY):
            raise EncryptedDocument(f"{n}: a password-protected PDF; giar cannot open it without the password") from None
        raise ReadError(f"{n}: cannot open the PDF, {_damage(data)} ({exc})") from None
    try:
        pages = len(pdf)
        encrypted = raw.FPDF_GetSecurityHandlerRevision(pdf.raw) != -1
    finally:
        pdf.close()
    if pages == 0:
        raise ReadError(f"{n}: a damaged or truncated PDF: no pages")
    if limits.max_pdf_pages is not None and pages > limits.max_pdf_pages:
        raise TooLarge(f"{n}: a PDF of {pages:,} pages, over the limit of {limits.max_pdf_pages:,} (Limits.max_pdf_pages)")
    return PdfInfo(pages=pages, encrypted=encrypted)


def _pdfium_chars(data: bytes, pages: int) -> int:
    """Characters pdfium finds in the text layer of the first pages (at most 20)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        total = 0
        for i in range(min(pages, 20)):
            page = pdf[i]
            text = page.get_textpage()
            total += text.count_chars()
            text.close()
            page.close()
        return total
    finally:
        pdf.close()


def after_ocr(doc: Document, name: str) -> Document:
    """What OCR found nothing in is no document: a blank page, a photo, a scan too faint to read."""
    if len(doc.text.strip()) < 20:
        raise ReadError(f"{short(name)}: a scan in which OCR found no text (blank, or too faint to read)")
    return doc


def after_pdf(doc: Document, data: bytes, info: PdfInfo, name: str) -> Document:
    """What an empty text layer means: a scan (no characters anywhere: :class:`NeedsOCR`), an encryption the
    reader cannot undo, or a file the reader could not parse although pdfium opens it. A PDF without its end
    marker (cut short in the download) keeps a finding."""
    n = short(name)
    if len(doc.text.strip()) < max(20, 5 * info.pages):
        if _pdfium_chars(data, info.pages) < max(20, 5 * min(info.pages, 20)):
            raise NeedsOCR.scan(name)
        if not doc.text.strip():
            if info.encrypted:
                raise EncryptedDocument(f"{n}: an encrypted PDF whose text giar's PDF reader cannot decrypt")
            raise ReadError(f"{n}: cannot read the PDF's text layer, {_damage(data)} (pdfium opens it, the reader fails)")
    if not _complete(data):
        doc.findings.append(
            Finding(
                kind=FindingKind.FORMAT,
                stage="read",
                message="the PDF ends without its %%EOF marker: the file may be truncated and pages lost",
            )
        )
    return doc
