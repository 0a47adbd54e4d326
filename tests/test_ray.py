"""Ray Data (issue 14 item 5): the batch functions give the rows the local engine gives, and ``--engine ray``
on a local Ray instance (started here with 2 CPUs, shut down after) writes the same dataset as the local engine."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from giar.batch import extract_all
from giar.integrations.ray import findings_batch, tidy_batch, wide_batch
from giar.tables import to_tables

INPUTS = ["seeds/000.txt", "seeds/004.txt", "corpus/011_shanghai-gov-office-2019.html", "hard/tabs_2021.txt"]


def _batch(paths: list[Path]) -> dict:
    return {"path": [str(p) for p in paths], "bytes": [p.read_bytes() for p in paths]}


def test_batch_functions_give_the_rows_of_the_local_tables(fixtures_dir):
    paths = [fixtures_dir / p for p in INPUTS]
    local = to_tables(r for p in paths for r in extract_all(p))
    batch = _batch(paths)
    assert tidy_batch(batch).equals(local["tidy"])
    assert findings_batch(batch).equals(local["findings"])
    assert wide_batch(batch).drop_columns(["sources"]).equals(local["wide"].drop_columns(["sources"]))


def test_a_file_that_fails_is_a_failed_row(tmp_path):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"   ")
    wide = wide_batch(_batch([bad])).to_pylist()
    assert [(r["source"], r["status"], r["error_type"]) for r in wide] == [(str(bad), "failed", "ReadError")]


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield ray
    ray.shutdown()


def test_ray_engine_writes_the_dataset_the_local_engine_writes(fixtures_dir, tmp_path, local_ray):
    from giar.integrations.ray import extract_to_parquet

    folder = tmp_path / "in"
    folder.mkdir()
    for p in INPUTS:
        (folder / Path(p).name).write_bytes((fixtures_dir / p).read_bytes())
    (folder / "twin.txt").write_bytes((fixtures_dir / INPUTS[0]).read_bytes())  # folded into one record
    (folder / "empty.txt").write_bytes(b"")  # a failed record
    local = tmp_path / "local.parquet"
    proc = subprocess.run(
        [sys.executable, "-m", "giar.cli", "extract", str(folder), "-o", str(local), "-q"], capture_output=True, text=True
    )
    assert proc.returncode == 1, proc.stderr  # the empty file failed
    from giar.cli import expand

    code = extract_to_parquet(expand([str(folder)]), str(tmp_path / "ray.parquet"), {"llm": False, "model": None, "corrections": None}, quiet=True)
    assert code == 1
    for name in ("tidy", "wide", "findings"):
        a, b = pq.read_table(local / name), pq.read_table(tmp_path / "ray.parquet" / name)
        assert a.num_rows and a.schema.equals(b.schema), name
        assert a.equals(b), name
    wide = pq.read_table(tmp_path / "ray.parquet" / "wide").to_pylist()
    assert [len(r["sources"]) for r in wide if r["source"].endswith("000.txt")] == [2]
