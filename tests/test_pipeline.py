"""Behaviour of the pipeline's stages on real documents: reading, provenance, arithmetic, inference, CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from giar import ReadError, extract, trace
from giar.grid import parse_value
from giar.infer import infer
from giar.read import read
from giar.score import compare, load_gold
from giar.validate import broken


def test_text_bytes_and_path_give_the_same_tables(fixtures_dir):
    path = fixtures_dir / "seeds" / "002.txt"
    a = extract(path)
    b = extract(path.read_bytes())
    c = extract(path.read_text(encoding="utf-8"))
    for table in ("active_disclosure", "requests", "review_litigation"):
        assert getattr(a, table) == getattr(b, table) == getattr(c, table)


def test_gbk_and_bom_are_decoded(fixtures_dir):
    raw = (fixtures_dir / "hard" / "fullwidth_digits_gbk.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    doc = read(raw)
    assert doc.encoding == "gb18030" and "政府信息公开" in doc.text
    utf = (fixtures_dir / "seeds" / "000.txt").read_bytes()
    assert read(b"\xef\xbb\xbf" + utf).text == read(utf).text


@pytest.mark.parametrize(
    "text,kind,value",
    [("１２", "number", 12), ("1,234", "number", 1234), ("1 234", "number", 1234), ("+2", "number", 2),
     ("-7", "number", -7), ("—", "dash", 0), ("无", "dash", 0), ("/", "dash", 0), ("", "blank", None),
     ("251000元", "number", 251000), ("12.5", "number", 12.5), ("结果维持", "text", None)],
)
def test_cell_values(text, kind, value):
    from giar.read.text import normalize

    v = parse_value(normalize(text))
    assert (v.kind, v.value) == (kind, value)


def test_every_value_points_back_into_the_text(fixtures_dir):
    for name in ("seeds/000.txt", "seeds/002.txt", "corpus/008_shanghai-stcsm-kewei-2024.md", "hard/wrapped_labels.txt"):
        t = trace(fixtures_dir / name)
        report = t.report
        for table in ("active_disclosure", "requests", "review_litigation"):
            for row, cols in getattr(report, table).items():
                for col, v in cols.items():
                    if v is None:
                        continue
                    p = report.provenance[f"{table}.{row}.{col}"]
                    if p.method == "rules":
                        a, b = p.span
                        assert t.document.text[a:b] == p.text, (name, row, col)
                        assert parse_value(p.text).value is not None


def test_broken_arithmetic_is_reported_not_fixed(fixtures_dir):
    report = extract(fixtures_dir / "hard" / "broken_arithmetic.txt")
    gold = json.loads((fixtures_dir / "hard" / "broken_arithmetic.gold.json").read_text(encoding="utf-8"))
    keys = {f.key for f in report.findings if f.kind == "arithmetic"}
    assert "requests.*.commercial" in keys and "review_litigation.litigation_direct" in keys
    assert report.review_litigation["litigation_direct"] == gold["review_litigation"]["litigation_direct"]
    msg = next(f.message for f in report.findings if f.key == "review_litigation.litigation_direct")
    assert "23" in msg and "24" in msg  # both sides named


def test_seed_003_lost_rows_inferred_and_review_row_recovered(fixtures_dir):
    report = extract(fixtures_dir / "seeds" / "003.txt")
    assert report.requests["carried_forward"]["total"] == 0
    assert report.provenance["requests.carried_forward.total"].method == "inferred"
    assert report.review_litigation["review"]["total"] == 0
    assert report.provenance["review_litigation.review.total"].method == "rules"
    assert any(f.kind == "repaired" and f.key == "review_litigation" for f in report.findings)


def test_inference_fills_only_what_schema_allows():
    cols = ["upheld", "corrected", "other", "pending", "total"]
    key = lambda c: f"review_litigation.review.{c}"  # noqa: E731
    # a blank total whose parts are present: filled
    filled, findings = infer({key(c): v for c, v in zip(cols, [3, 1, 0, 0, None])}, "2021", {"review_litigation"})
    assert filled == {key("total"): 4} and findings[0].kind == "inferred"
    # a blank part: the total would fix it at 2, but SCHEMA fills parts only when the total leaves them 0
    filled, _ = infer({key(c): v for c, v in zip(cols, [3, None, 0, 0, 5])}, "2021", {"review_litigation"})
    assert filled == {}
    filled, _ = infer({key(c): v for c, v in zip(cols, [3, None, None, 0, 3])}, "2021", {"review_litigation"})
    assert filled == {key("corrected"): 0, key("other"): 0}
    # printed numbers that contradict each other: nothing is filled
    filled, findings = infer({key(c): v for c, v in zip(cols, [3, None, 0, 0, 2])}, "2021", {"review_litigation"})
    assert filled == {}
    # a cell the matcher could not place is never filled
    filled, _ = infer({key(c): v for c, v in zip(cols, [3, 1, 0, 0, None])}, "2021", {"review_litigation"},
                      frozen=frozenset({key("total")}))
    assert filled == {}


def test_validate_names_both_sides():
    vals = {f"review_litigation.review.{c}": v for c, v in zip(["upheld", "corrected", "other", "pending", "total"], [10, 1, 0, 0, 0])}
    (f,) = broken(vals, "2021", {"review_litigation"})
    assert f.key == "review_litigation.review" and "11" in f.message and "= 0" in f.message


def test_blank_and_dash_cells_are_reported(fixtures_dir):
    report = extract(fixtures_dir / "hard" / "blanks_inferable.txt")
    kinds = {f.kind for f in report.findings}
    assert {"blank", "dash", "inferred"} <= kinds


def test_table_missing_from_document_is_null_with_finding():
    text = "某某镇人民政府2022年政府信息公开工作年度报告\n一、总体情况\n无。\n二、主动公开政府信息情况\n第二十条第（一）项\n信息内容\t本年制发件数\t本年废止件数\t现行有效件数\n规章\t1\t2\t3\n"
    report = extract(text)
    assert report.active_disclosure["regulations"] == {"issued": 1, "repealed": 2, "in_force": 3}
    assert report.requests["new_received"]["total"] is None
    assert report.review_litigation["review"]["total"] is None
    assert any(f.kind == "missing" and f.key == "review_litigation" for f in report.findings)


def test_bad_input_gives_clear_errors(tmp_path):
    with pytest.raises(ReadError, match="no such file"):
        extract(tmp_path / "nope.txt")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(ReadError, match="empty"):
        extract(empty)
    with pytest.raises(ReadError):
        extract(tmp_path)


def test_cli_extract_one_and_many(fixtures_dir, tmp_path):
    cmd = [sys.executable, "-m", "giar.cli", "extract"]
    one = subprocess.run(cmd + [str(fixtures_dir / "seeds" / "004.txt")], capture_output=True, text=True, check=True)
    assert json.loads(one.stdout)["meta"]["year"] == 2023
    many = subprocess.run(
        cmd + [str(fixtures_dir / "seeds" / "000.txt"), str(tmp_path / "missing.txt"), str(fixtures_dir / "seeds" / "001.txt")],
        capture_output=True, text=True,
    )
    assert many.returncode == 1
    failure, end = many.stderr.splitlines()
    assert "missing.txt" in failure and "1 failed" in end
    rows = [json.loads(l) for l in many.stdout.splitlines()]
    assert [r.get("error_type") or r["meta"]["year"] for r in rows] == [2019, "ReadError", 2020]


def test_cli_resume_skips_finished_reports(fixtures_dir, tmp_path):
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "giar.cli", "extract", "-o", str(out)]
    seeds = [str(fixtures_dir / "seeds" / f"{n}.txt") for n in ("000", "001", "002")]
    subprocess.run(cmd + seeds[:2], check=True, capture_output=True)
    with out.open("a", encoding="utf-8") as f:
        f.write('{"source": "torn')  # a run killed mid-line
    proc = subprocess.run(cmd + ["--resume"] + seeds, check=True, capture_output=True, text=True)
    assert "2 already" in proc.stderr and "1 to do" in proc.stderr
    sources = []
    for line in out.read_text(encoding="utf-8").splitlines():
        try:
            sources.append(json.loads(line)["source"])
        except ValueError:
            pass
    assert sources == seeds


def test_losing_any_row_of_a_fragmented_table_never_gives_a_wrong_number(fixtures_dir):
    """008 prints many rows of 三 without labels. Delete each number row in turn (a row lost by a converter):
    the rules may leave cells null, but must never shift the remaining rows into wrong places."""
    name = "corpus/008_shanghai-stcsm-kewei-2024"
    src = (fixtures_dir / f"{name}.md").read_text(encoding="utf-8")
    gold = load_gold(fixtures_dir / f"{name}.gold.json")
    lines = src.split("\n")
    start = next(i for i, l in enumerate(lines) if "本年新收" in l)
    end = next(i for i, l in enumerate(lines) if "结转下年度" in l)
    rows = [i for i in range(start, end + 1) if lines[i].startswith("|") and "---" not in lines[i]]
    assert len(rows) >= 20
    for i in rows:
        report = extract("\n".join(lines[:i] + lines[i + 1 :]), name="x.md")
        wrong = [f for f in compare(report, gold).fields if f.status == "wrong"]
        assert not wrong, (lines[i], [(f.key, f.gold, f.got) for f in wrong])


def test_cli_inspect_and_schema(fixtures_dir):
    cmd = [sys.executable, "-m", "giar.cli"]
    out = subprocess.run(cmd + ["inspect", str(fixtures_dir / "seeds" / "003.txt")], capture_output=True, text=True, check=True).stdout
    assert "region requests" in out and "[repaired]" in out and "layout=split_tabs" in out
    schema = json.loads(subprocess.run(cmd + ["schema"], capture_output=True, text=True, check=True).stdout)
    assert {"meta", "active_disclosure", "requests", "review_litigation", "provenance", "findings"} <= set(schema["properties"])


def test_amount_printed_in_yuan_is_converted_with_a_finding(fixtures_dir):
    report = extract(fixtures_dir / "corpus" / "011_shanghai-gov-office-2019.html")
    assert report.active_disclosure["centralized_procurement"]["amount_wan"] == 25.1
    assert any(f.kind == "unit" and "251000元" in f.message for f in report.findings)
    assert report.provenance["active_disclosure.centralized_procurement.amount_wan"].text == "251000元"


def test_extract_many_in_parallel_keeps_order_and_survives_failures(fixtures_dir, tmp_path):
    from giar import extract_many
    from giar.batch import Failure

    srcs = [fixtures_dir / "seeds" / f"{n}.txt" for n in ("000", "001")] + [tmp_path / "gone.txt"]
    srcs += [fixtures_dir / "seeds" / "004.txt"]
    serial = list(extract_many(srcs))
    parallel = list(extract_many(srcs, jobs=2))
    assert [type(r).__name__ for r in parallel] == ["Report", "Report", "Failure", "Report"]
    assert isinstance(parallel[2], Failure) and "no such file" in parallel[2].error
    for a, b in zip(serial, parallel):
        if not isinstance(a, Failure):
            assert a.model_dump() == b.model_dump()
