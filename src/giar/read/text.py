"""Plain text and markdown: decode by what the bytes are (BOM, UTF-8, then detection), normalise safely."""

from __future__ import annotations

import re
from typing import Optional

from charset_normalizer import from_bytes

from ..model import Document, Finding, Format
from ..status import FindingKind
from .ideographs import TABLE as _IDEOGRAPHS

# One character in, one character out: full-width digits and the punctuation numbers use, and odd spaces.
# Brackets and CJK punctuation stay as printed (labels keep their wording; matching normalises its own copy).
_FULLWIDTH: dict[int, int | str | None] = {ord("０") + i: ord("0") + i for i in range(10)}
_FULLWIDTH.update({ord(a): ord(b) for a, b in zip("＋－．％", "+-.%", strict=True)})
_FULLWIDTH.update({ord(c): ord(" ") for c in "\u3000\xa0\u2002\u2003\u2009"})
_FULLWIDTH[0xFEFF] = None
_FULLWIDTH.update(_IDEOGRAPHS)  # radicals a PDF producer printed for ideographs (⾏ → 行): see ideographs.py


_NEEDS = re.compile("[" + "".join(re.escape(chr(c)) for c in _FULLWIDTH) + "]")


def normalize(text: str) -> str:
    """Newlines to \\n, full-width digits/punctuation to ASCII and radicals to ideographs, so numbers and
    labels read the same everywhere."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.isascii():  # every character the table translates is beyond ASCII (a PDF reads each number this way)
        return text
    return text.translate(_FULLWIDTH) if _NEEDS.search(text) else text


def decode(data: bytes, declared: Optional[str] = None) -> tuple[str, str]:
    """Text and the encoding it was read with: BOM, then a declared charset, then UTF-8, then detection."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    for enc in filter(None, (_gb(declared), "utf-8")):
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    mostly = _mostly_utf8(data)
    if mostly is not None:
        return mostly, "utf-8"
    best = from_bytes(data).best()
    enc = (_gb(best.encoding) if best is not None else None) or "gb18030"
    try:
        return data.decode(enc), enc
    except (UnicodeDecodeError, LookupError):
        return data.decode("gb18030", errors="replace"), "gb18030"


def _mostly_utf8(data: bytes) -> Optional[str]:
    """UTF-8 text with a few bad bytes (a file cut inside a character, a flipped bit), read as UTF-8 with each
    bad byte as U+FFFD: detection would otherwise pick another encoding and turn the whole text to mojibake.
    Other encodings (GB18030 above all) are not mostly valid UTF-8: nearly every character of theirs breaks."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count(REPLACEMENT)
    wide = sum(1 for c in text if ord(c) > 0x7F) - bad
    return text if wide >= 3 * bad else None  # GB18030 text read as UTF-8: about 0.2 valid per bad


REPLACEMENT = "\ufffd"


def _gb(encoding: Optional[str]) -> Optional[str]:
    """GB2312 and GBK are subsets of GB18030: decode with the superset so rare characters survive."""
    if encoding and encoding.lower().replace("-", "").replace("_", "") in {"gb2312", "gbk", "gb18030", "cp936", "euccn"}:
        return "gb18030"
    return encoding


def is_markdown(text: str) -> bool:
    lines = text.splitlines()
    pipes = sum(1 for l in lines if l.lstrip().startswith("|") and l.rstrip().endswith("|"))
    heads = sum(1 for l in lines if l.startswith("#"))
    return pipes >= 3 or heads >= 2


def read_text(data: bytes, source: str, fmt: Optional[Format] = None) -> Document:
    text, enc = decode(data)
    text = normalize(text)
    if fmt is None:
        fmt = "markdown" if is_markdown(text) else "text"
    return Document(source=source, format=fmt, text=text, encoding=enc, findings=replaced(text))


def replaced(text: str) -> list[Finding]:
    """A finding when bytes were not valid in the encoding read (each became U+FFFD): nothing lost silently."""
    bad = text.count(REPLACEMENT)
    if not bad:
        return []
    return [Finding(kind=FindingKind.ENCODING, stage="read", message=f"{bad} byte sequence(s) invalid in the text's encoding, read as U+FFFD")]
