"""A SQLite cache of repair outcomes, so a rerun costs no request and gives the same answer.

The key is a sha256 of everything that shapes the answer: the endpoint (base URL) and model, prompt name, version
and text, instructor mode, the response model's JSON schema, the table, template, reasons, rows asked, region text
and offset, the tokens with their spans, and the rules the source itself breaks (they decide acceptance). A changed prompt version, schema or token list is a different key. Only outcomes that hold a model's
complete answer are stored (accepted, or rejected for its arithmetic); transport failures, truncations and
answers that never validated are not, so the next run tries again.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any, Optional, Union

from ..model import RepairOutcome, RepairRequest
from .config import DEFAULT_CACHE, LLMConfig
from .prompts import Prompt


def cache_key(cfg: LLMConfig, prompt: Prompt, schema: dict[str, Any], request: RepairRequest) -> str:
    material = {
        "endpoint": cfg.base_url.rstrip("/"),
        "model": cfg.model,
        "mode": cfg.mode,
        "prompt": [prompt.name, prompt.version, prompt.digest],
        "schema": schema,
        "table": request.table,
        "template": request.template,
        "reasons": request.reasons,
        "region": request.region_text,
        "region_start": request.region_start,
        "tokens": [t.model_dump(mode="json") for t in request.tokens],
        "rows": request.rows,
        "known": request.known,
        "header": request.header,
        "broken": request.broken,
    }
    blob = json.dumps(material, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class RepairCache:
    """Outcomes by key in one SQLite file; one short connection per call, so it is safe across threads."""

    def __init__(self, path: Union[str, Path] = DEFAULT_CACHE):
        self.path = Path(path).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS outcomes ("
                "key TEXT PRIMARY KEY, outcome TEXT NOT NULL, model TEXT, prompt TEXT, created REAL)"
            )

    @classmethod
    def for_config(cls, cfg: LLMConfig) -> Optional[RepairCache]:
        return cls(cfg.cache_path) if cfg.cache_path else None

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def get(self, key: str) -> Optional[RepairOutcome]:
        with closing(self._connect()) as db:
            row = db.execute("SELECT outcome FROM outcomes WHERE key = ?", (key,)).fetchone()
        return RepairOutcome.model_validate_json(row[0]) if row else None

    def put(self, key: str, outcome: RepairOutcome, prompt: str = "") -> None:
        with closing(self._connect()) as db, db:
            db.execute(
                "INSERT OR REPLACE INTO outcomes (key, outcome, model, prompt, created) VALUES (?, ?, ?, ?, ?)",
                (key, outcome.model_dump_json(), outcome.usage.model, prompt, time.time()),
            )

    def __len__(self) -> int:
        with closing(self._connect()) as db:
            return db.execute("SELECT COUNT(*) FROM outcomes").fetchone()[0]
