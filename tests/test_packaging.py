"""The wheel carries prompts/ (as the package giar.prompts), so an installed giar runs the LLM fallback.

Builds a wheel of this checkout, installs it (without dependencies) into a new virtual environment, and from a
folder outside the repository replays a recorded repair (cassettes/repair_accepted.yaml) with that
installation. The new environment borrows the test environment's dependencies read-only (a path entry after
its own site-packages), so giar itself, and its prompts, can only come from the wheel.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = r"""
import json, sys
import giar, giar.repair
from giar.model import RepairRequest
from giar.repair import LLMConfig, prompts, repair_table
from giar.testing.replay import REPLAY_URL, MODEL, recorder

assert "site-packages" in giar.__file__, giar.__file__
prompt = prompts.load("repair_table")
request = RepairRequest.model_validate_json(open(sys.argv[1], encoding="utf-8").read())
cfg = LLMConfig(base_url=REPLAY_URL, model=MODEL, api_key="x", cache_path=None, max_elapsed=20, timeout=20)
with recorder("none", library=__import__("pathlib").Path(sys.argv[2])).use_cassette("repair_accepted.yaml"):
    outcome = repair_table(request, cfg)
print(json.dumps({"file": giar.__file__, "prompt": prompt.label, "accepted": outcome.accepted,
                  "placed": sum(v is not None for v in outcome.values.values())}))
"""


def test_a_wheel_install_runs_a_recorded_repair(tmp_path):
    from test_repair import region_request

    source = tmp_path / "source"  # a copy: building in place would leave build/ in the checkout
    for part in ("src", "prompts"):
        shutil.copytree(ROOT / part, source / part, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    dist = tmp_path / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)],
        capture_output=True, text=True, timeout=240,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = dist.glob("giar-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "giar/prompts/repair_table.v2.md" in names and "giar/review/page.html" in names

    env = tmp_path / "env"
    venv.create(env, with_pip=False)
    python = env / "bin" / "python"
    site = Path(subprocess.check_output([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True).strip())
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)],
        capture_output=True, text=True, timeout=120,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    (site / "zz_borrowed_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")

    request, _ = region_request("000")
    (tmp_path / "request.json").write_text(request.model_dump_json(), encoding="utf-8")
    away = tmp_path / "elsewhere"
    away.mkdir()
    run = subprocess.run(
        [str(python), "-c", SCRIPT, str(tmp_path / "request.json"), str(ROOT / "cassettes")],
        cwd=away, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["file"].startswith(str(site)) and result["prompt"] == "repair_table.v2"
    assert result["accepted"] and result["placed"] > 100
