"""Junk in, clear answers out (issue 15 items 1 and 3): every hostile input of the issue raises one typed
:class:`giar.GiarError` whose one-line message names the file and the cause, within bounded time and memory,
in extract, the CLI (extract, inspect, review) and a batch."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

import giar
from giar import (
    EncryptedDocument,
    GiarError,
    InternalError,
    Limits,
    NeedsOCR,
    NotAnAnnualReport,
    ReadError,
    TimeLimitExceeded,
    TooLarge,
    UnsupportedFormat,
    UnsupportedTemplate,
    extract,
    extract_many,
)
from giar.errors import ConfigError
from giar.read.ocr import available as ocr_available

sys.path.insert(0, str(Path(__file__).parent))
import hostile

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]
# a scan without any text (blank image pages, a tiny PNG): NeedsOCR without the OCR extra; with it (as in CI) OCR
# reads it and finds nothing, a ReadError
SCAN_ERROR = ReadError if ocr_available() else NeedsOCR

EXPECTED = {
    "encrypted.pdf": EncryptedDocument,
    "truncated.pdf": ReadError,
    "corrupt.pdf": ReadError,
    "scan.pdf": SCAN_ERROR,
    "random.bin": NotAnAnnualReport,
    "random.txt": NotAnAnnualReport,
    "error-page.pdf": NotAnAnnualReport,
    "nested.html": TooLarge,
    "sheet.docx": UnsupportedFormat,
    "reports.zip": UnsupportedFormat,
    "old.doc": UnsupportedFormat,
    "page.png": SCAN_ERROR,
    "news.txt": NotAnAnnualReport,
    "budget.txt": NotAnAnnualReport,
    "old-template.txt": UnsupportedTemplate,
}


@pytest.fixture(scope="module")
def junk(tmp_path_factory) -> dict[str, Path]:
    return hostile.junk_files(tmp_path_factory.mktemp("junk"))


def one_line_naming(exc: BaseException, name: str) -> str:
    message = str(exc)
    assert "\n" not in message and message.startswith(name), message
    return message


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_junk_file_raises_its_typed_error_naming_the_file(junk, name):
    with pytest.raises(EXPECTED[name]) as err:
        extract(junk[name])
    message = one_line_naming(err.value, str(junk[name]))
    assert "Error" not in message.split(":", 1)[1] or "PDFium" in message  # no library exception's name as the cause


def test_the_same_junk_given_as_bytes_names_the_name_given(junk):
    with pytest.raises(EncryptedDocument, match=r"^upload\.pdf: a password-protected PDF"):
        extract(junk["encrypted.pdf"].read_bytes(), name="upload.pdf")
    with pytest.raises(NotAnAnnualReport, match=r"^<bytes>: binary data"):
        extract(hostile.random_bytes())


def test_scan_error_names_the_ocr_extra(junk, monkeypatch):
    import giar.read.ocr

    monkeypatch.setattr(giar.read.ocr, "available", lambda: False)  # as without giar[ocr]
    for name in ("scan.pdf", "page.png"):
        with pytest.raises(NeedsOCR, match=r"pip install giar\[ocr\]"):
            extract(junk[name])


def test_zip_bomb_named_docx_is_refused_before_inflating(tmp_path):
    bomb = tmp_path / "report.docx"
    bomb.write_bytes(hostile.zip_bomb())  # 1.1 MB that inflates to 1.1 GB
    assert bomb.stat().st_size < 2_000_000
    start = time.monotonic()
    with pytest.raises(TooLarge, match=r"word/document.xml inflates to 1,153,433,600 bytes.*max_docx_part_bytes"):
        extract(bomb)
    assert time.monotonic() - start < 2.0
    # a lower total bound catches many parts that are each under the part bound
    with pytest.raises(TooLarge, match="max_docx_bytes"):
        extract(hostile.zip_bomb(20 * hostile.MiB), name="r.docx", limits=Limits(max_docx_bytes=10 * hostile.MiB))


def test_html_nested_past_what_lxml_keeps_is_an_error_not_an_empty_report():
    with pytest.raises(TooLarge, match="nested at least 256 levels deep"):
        extract(hostile.nested_html(300), name="deep.html")
    with pytest.raises(TooLarge, match=r"nested 1\d\d levels.*Limits.max_html_depth"):
        extract(hostile.nested_html(150), name="deep.html", limits=Limits(max_html_depth=100))
    # without a bound, lxml's huge-tree parser keeps the deep content and it is read
    doc = giar.read.read(hostile.nested_html(300), "deep.html", limits=Limits(max_html_depth=None))
    assert "规章\t1\t0\t3" in doc.text
    assert "规章\t1\t0\t3" in giar.read.read(hostile.nested_html(100), "shallow.html").text


def test_html_rows_are_bounded():
    with pytest.raises(TooLarge, match=r"61 HTML table rows.*max_html_rows"):
        extract(hostile.many_rows_html(61), name="rows.html", limits=Limits(max_html_rows=60))


@pytest.mark.parametrize(
    "source",
    ["reports/2023年报告", "tests/fixtures/seedz", "no-such-dir/report.pdf", "x" * 4000, Path("x" * 4000)],
)
def test_a_path_that_does_not_exist_is_an_error_whatever_its_extension(source):
    with pytest.raises(ReadError) as err:
        extract(source)
    message = str(err.value)
    assert "no such file" in message or "too long" in message.lower(), message
    assert len(message) < 300  # a 4,000-character path is cut in the message


def test_empty_string_whitespace_and_a_directory(tmp_path):
    for empty in ("", "   ", "\n\n"):
        with pytest.raises(ReadError, match="empty"):
            extract(empty)
    with pytest.raises(ReadError, match="is a directory"):
        extract(tmp_path)
    with pytest.raises(ReadError, match="is a directory"):
        extract(str(tmp_path))
    with pytest.raises(ReadError, match="cannot read a int"):
        extract(3)  # type: ignore[arg-type]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "report.pdf"
    os.mkfifo(fifo)
    caught: list[BaseException] = []

    def run() -> None:
        try:
            extract(fifo)
        except BaseException as exc:
            caught.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "extract blocked on a FIFO"
    assert isinstance(caught[0], ReadError) and "FIFO" in str(caught[0])
    with pytest.raises(ReadError, match="character device"):
        extract("/dev/zero")


def test_size_bound_is_checked_before_reading(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 2000)
    limits = Limits(max_bytes=1000)
    with pytest.raises(TooLarge, match="2,000 bytes, over the limit of 1,000"):
        extract(big, limits=limits)
    with pytest.raises(TooLarge):
        extract(b"x" * 2000, limits=limits)
    with pytest.raises(TooLarge, match="characters"):
        extract("line\n" * 400, limits=limits)


def test_pdf_pages_are_bounded():
    pdf = FIXTURES / "corpus" / "004_hongze-district-2023.pdf"
    with pytest.raises(TooLarge, match=r"a PDF of \d+ pages, over the limit of 2 \(Limits.max_pdf_pages\)"):
        extract(pdf, limits=Limits(max_pdf_pages=2))


def test_docx_parts_are_bounded(tmp_path):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for i in range(5):
            zf.writestr(f"word/part{i}.xml", "<x/>")
        zf.writestr("word/document.xml", "<x/>")
    with pytest.raises(TooLarge, match=r"6 entries.*max_docx_parts"):
        extract(out.getvalue(), name="r.docx", limits=Limits(max_docx_parts=5))


def test_time_bound_covers_the_whole_document(monkeypatch):
    text = (FIXTURES / "hard" / "tabs_2021.txt").read_text(encoding="utf-8")
    with pytest.raises(TimeLimitExceeded, match=r"over the time limit of 1e-09 s \(Limits.max_seconds\)"):
        extract(text, limits=Limits(max_seconds=1e-9))
    # the LLM repair is given what is left of the document's time, not its own full budget
    import giar.repair

    seen = []

    def fake_repair(req, cfg, cache, **kw):
        seen.append((cfg.max_elapsed, cfg.timeout))
        return giar.model.RepairOutcome(accepted=False)

    monkeypatch.setattr(giar.repair, "repair_table", fake_repair)
    llm = giar.LLMConfig(base_url="http://127.0.0.1:9/v1", model="m", max_elapsed=180, timeout=60, cache_path=None)
    extract(text, llm=llm, force_llm=True, limits=Limits(max_seconds=30))
    assert seen and seen[0][0] <= 30 and seen[0][1] <= 30


def test_limits_are_validated():
    with pytest.raises(ConfigError, match="max_bytes"):
        Limits(max_bytes=0)
    with pytest.raises(ConfigError, match="max_seconds"):
        Limits(max_seconds=-1)
    assert Limits(max_seconds=None).deadline("x").left() is None


def test_a_bug_inside_giar_is_an_internal_error_naming_the_document(monkeypatch):
    import giar.pipeline

    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(giar.pipeline, "fill", broken)
    with pytest.raises(InternalError, match=r"^tabs_2021.txt: giar failed on this document.*\(KeyError") as err:
        extract(FIXTURES / "hard" / "tabs_2021.txt", name="tabs_2021.txt")
    assert isinstance(err.value.__cause__, KeyError)


def test_old_template_by_year_when_the_tables_do_not_tell():
    text = "某某县人民政府2017年政府信息公开工作年度报告\n一、概述\n正文。\n二、主动公开政府信息情况\n本年共主动公开信息120条。\n"
    with pytest.raises(UnsupportedTemplate, match="a report on 2017"):
        extract(text)


def test_a_report_whose_tables_are_images_is_still_a_report():
    """Title and headings but no table text (the tables were pictures): nulls with findings, not an error."""
    text = "某某区人民政府2023年政府信息公开工作年度报告\n一、总体情况\n正文。\n二、主动公开政府信息情况\n（见下图）\n"
    report = extract(text)
    assert report.meta.year == 2023 and report.requests["new_received"]["total"] is None


def test_every_error_class_is_a_giar_error_and_exported():
    import giar.errors as errors

    classes = [v for v in vars(errors).values() if isinstance(v, type) and issubclass(v, Exception)]
    assert len(classes) >= 12
    for cls in classes:
        assert issubclass(cls, GiarError), cls
    for name in ("EncryptedDocument", "NeedsOCR", "NotAnAnnualReport", "UnsupportedTemplate", "UnsupportedFormat",
                 "TooLarge", "TimeLimitExceeded", "ReadError", "InternalError", "Limits"):
        assert name in giar.__all__


def test_a_batch_records_each_failure_by_type_and_goes_on(junk):
    good = FIXTURES / "seeds" / "000.txt"
    sources = [junk[name] for name in sorted(EXPECTED)] + [good]
    results = list(extract_many(sources))
    failures = [r for r in results if isinstance(r, giar.Failure)]
    assert len(failures) == len(EXPECTED)
    for f, name in zip(failures, sorted(EXPECTED)):
        assert f.error.startswith(EXPECTED[name].__name__ + ": "), f.error
        assert "\n" not in f.error and "Traceback" not in f.error
    assert isinstance(results[-1], giar.Report)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "giar.cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={k: v for k, v in os.environ.items() if k != "GIAR_DEBUG"},
    )


def test_cli_one_line_per_bad_file_and_no_traceback(junk, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    for args in (
        ("inspect", str(tmp_path / "missing.txt")),
        ("inspect", str(empty)),
        ("inspect", str(junk["scan.pdf"])),
        ("extract", "reports/2023年报告"),
        ("extract", str(junk["encrypted.pdf"])),
        ("extract", str(junk["random.bin"])),
        ("extract", "x" * 4000),
        ("inspect", "x" * 4000),
    ):
        run = _cli(*args)
        assert run.returncode == 1, (args, run.stderr)
        assert run.stdout == "" and "Traceback" not in run.stderr, (args, run.stderr)
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("giar: "), (args, run.stderr)
    run = _cli("extract", str(junk["encrypted.pdf"]), str(FIXTURES / "seeds" / "000.txt"), "-o", str(tmp_path / "o.jsonl"))
    assert run.returncode == 1 and "EncryptedDocument" in run.stderr
    records = [json.loads(line) for line in (tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()]
    # the junk is an error record, never a report of nulls; the good document is kept
    assert [r.get("record") == "error" for r in records].count(True) == 1 and len(records) == 2
    assert next(r for r in records if r.get("record") == "error")["error_type"] == "EncryptedDocument"


def test_cli_review_lists_each_failure(junk, tmp_path):
    run = _cli("review", str(junk["encrypted.pdf"]), str(junk["news.txt"]), str(FIXTURES / "seeds" / "000.txt"),
               "-o", str(tmp_path / "r.html"))
    assert run.returncode == 0 and "Traceback" not in run.stderr
    assert "EncryptedDocument" in run.stderr and "NotAnAnnualReport" in run.stderr and "(3 reports, 2 failed)" in run.stderr
    assert (tmp_path / "r.html").exists()


def test_cli_review_of_paths_it_cannot_look_up(tmp_path):
    run = _cli("review", "x" * 4000 + ".jsonl", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "r.html"))
    assert run.returncode == 0 and "Traceback" not in run.stderr and "internal error" not in run.stderr
    assert run.stderr.count("ReadError") == 2


def test_cli_limit_options(tmp_path):
    run = _cli("extract", str(FIXTURES / "corpus" / "004_hongze-district-2023.pdf"), "--max-pages", "2")
    assert run.returncode == 1 and "TooLarge" in run.stderr and "max_pdf_pages" in run.stderr


def test_utf8_cut_inside_a_character_or_with_a_bad_byte_is_still_read_as_utf8():
    """Detection used to turn such a text into mojibake of another encoding (found by the fuzz run)."""
    path = FIXTURES / "hard" / "tabs_2021.txt"
    raw = path.read_bytes()
    want = extract(path)
    at = raw.index("总体情况".encode()) + 1  # inside a character
    for damaged in (raw[:at] + b"\xff" + raw[at + 1 :], raw + "报".encode()[:2]):
        got = extract(damaged, name="damaged.txt")
        assert got.requests == want.requests and got.meta.title == want.meta.title
        assert any(f.kind == "encoding" and "U+FFFD" in f.message for f in got.findings)
    gbk = (FIXTURES / "hard" / "fullwidth_digits_gbk.txt").read_bytes()
    assert giar.read.read(gbk).encoding == "gb18030"  # GB18030 is never taken for damaged UTF-8
