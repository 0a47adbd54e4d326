"""The comparison layer and `giar bench`: scoring per field, a planted error, repeatability."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from giar import extract
from giar.score import compare, load_gold


def _bench(args, out):
    cmd = [sys.executable, "-m", "giar.cli", "bench", *args, "--paths", "rules", "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return proc.stdout, json.loads((out / "bench.json").read_text(encoding="utf-8"))


def test_planted_wrong_gold_value_is_one_wrong(fixtures_dir, tmp_path):
    fx = tmp_path / "fx"
    fx.mkdir()
    for name in ("tabs_2021.txt", "tabs_2021.gold.json", "stray_cell.txt", "stray_cell.gold.json"):
        shutil.copy(fixtures_dir / "hard" / name, fx / name)
    gold = json.loads((fx / "tabs_2021.gold.json").read_text(encoding="utf-8"))
    gold["requests"]["granted"]["commercial"] += 1
    (fx / "tabs_2021.gold.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    stdout, result = _bench([str(fx)], tmp_path / "out")
    (rules,) = result["paths"]
    assert rules["overall"]["wrong"] == 1 and rules["overall"]["missing"] == 0
    assert rules["fully_correct"] == 1 and rules["documents"] == 2
    doc = next(d for d in rules["per_document"] if "tabs_2021" in d["name"])
    assert [e["key"] for e in doc["errors"]] == ["requests.granted.commercial"]
    assert "fields wrong" in stdout and (tmp_path / "out" / "bench.md").exists()


def test_two_runs_give_the_same_accuracy(fixtures_dir, tmp_path):
    _, a = _bench([str(fixtures_dir / "seeds")], tmp_path / "a")
    _, b = _bench([str(fixtures_dir / "seeds")], tmp_path / "b")
    keys = ("overall", "tables", "fully_correct", "rules_pass", "documents")
    assert [{k: p[k] for k in keys} for p in a["paths"]] == [{k: p[k] for k in keys} for p in b["paths"]]
    assert a["paths"][0]["overall"]["wrong"] == 0


def test_compare_counts_missing_wrong_and_inferred(fixtures_dir):
    gold = load_gold(fixtures_dir / "seeds" / "003.gold.json")
    report = extract(fixtures_dir / "seeds" / "003.txt")
    score = compare(report, gold)
    assert score.overall.wrong == 0 and score.overall.missing == 0 and score.overall.inferred == 21
    data = report.model_dump(mode="json")
    data["requests"]["granted"]["total"] = None
    data["requests"]["new_received"]["total"] = 99
    score = compare(data, gold)
    assert (score.overall.missing, score.overall.wrong) == (1, 1)
    assert not score.fully_correct


def test_bench_with_simulated_models_prints_filled_wrong_merged_calls_and_tokens(fixtures_dir, tmp_path):
    """`giar bench --llm oracle` and `--llm adversarial:KIND` through the CLI: a local server is started and
    stopped, the table has the LLM rows, and the output says these are test doubles."""
    fx = tmp_path / "fx"
    (fx / "regressions").mkdir(parents=True)
    (fx / "hard").mkdir()
    shutil.copy(fixtures_dir / "regressions" / "b5_swapped_rows_denied78.txt", fx / "regressions")
    shutil.copy(fixtures_dir / "hard" / "tabs_2021.gold.json", fx / "hard")
    shutil.copy(fixtures_dir / "hard" / "tabs_2021.txt", fx / "hard")
    (fx / "regressions" / "SOURCES.json").write_text(
        json.dumps({"b5_swapped_rows_denied78.txt": "hard/tabs_2021.gold.json"}), encoding="utf-8"
    )
    for spec, filled in (("oracle", 14), ("adversarial:swap_rows", None)):
        out = tmp_path / spec.replace(":", "_")
        cmd = [sys.executable, "-m", "giar.cli", "bench", str(fx), "--paths", "rules,hybrid", "--llm", spec, "--out", str(out)]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
        result = json.loads((out / "bench.json").read_text(encoding="utf-8"))
        _rules, hybrid = result["paths"]
        assert result["fixtures"] == 2 and hybrid["path"] == f"hybrid({spec})"
        assert hybrid["wrong_merged_vs_rules"] == 0 and hybrid["overall"]["wrong"] == 0
        assert hybrid["llm_calls"] == 1 and hybrid["tokens"] > 500
        if filled is not None:
            assert hybrid["filled_vs_rules"] == filled
        assert "test doubles" in proc.stdout and "test doubles" in (out / "bench.md").read_text(encoding="utf-8")
