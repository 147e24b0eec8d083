"""What an interrupted ``ingest`` left in the lake, read back from the lake itself.

Ctrl+C can land anywhere: while files are sampled (nothing stored), inside DuckDB's statement
(DuckDB turns it into ``Query interrupted`` and the batch's transaction rolls back), or after the
COMMIT but before the summary (the batch is stored). Only the lake knows which, so after an
interrupt we ask it for batches of the dataset that started since this ingest began, instead of
guessing from where the exception surfaced.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb

from ..lake import Lake, LakeError


def is_interrupt(exc: BaseException) -> bool:
    """Ctrl+C as Python raises it, or as DuckDB reports a statement it stopped because of it."""
    if isinstance(exc, KeyboardInterrupt | duckdb.InterruptException):
        return True
    return isinstance(exc, RuntimeError) and "interrupted" in str(exc).lower()


@dataclass(frozen=True)
class Readback:
    """``batch``: the batch this ingest stored (None: nothing); ``error``: the lake could not be
    read back (then nothing is claimed either way)."""

    lake: str
    batch: dict[str, Any] | None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        stored = None if self.batch is None else {
            k: self.batch.get(k)
            for k in ("batch_id", "dataset", "status", "rows_ingested", "rows_rejected")
        }
        return {"interrupted": True, "lake": self.lake, "stored_batch": stored,
                "readback_error": self.error}

    def message(self) -> str:
        if self.error is not None:
            return (f"interrupted; the lake {self.lake} could not be read back ({self.error}); "
                    f"see what it holds with: sourcedoctor lake batches --lake {self.lake}")
        if self.batch is None:
            return (f"interrupted: nothing from this batch was stored (read back from "
                    f"{self.lake}: no new batch)")
        b = self.batch
        return (f"interrupted after the batch was stored: batch {b['batch_id']} of dataset "
                f"{b['dataset']} is in {self.lake} ({b['status']}, {b['rows_ingested']} rows), "
                "complete")


def read_back(lake: Lake, dataset: str, since: datetime) -> Readback:
    """Batches of ``dataset`` started at or after ``since`` (this ingest's), read from the lake.

    A second Ctrl+C while reading back is ignored: the answer takes milliseconds and is the point.
    """
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        if not lake.path.exists():
            return Readback(str(lake.path), None)
        mine = [b for b in lake.batches(dataset) if _at(b.get("started_at")) >= since]
        return Readback(str(lake.path), mine[-1] if mine else None)
    except (LakeError, duckdb.Error, OSError, ValueError) as exc:
        return Readback(str(lake.path), None, str(exc).splitlines()[0] if str(exc) else
                        type(exc).__name__)
    finally:
        signal.signal(signal.SIGINT, previous)


def _at(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.min.replace(tzinfo=UTC)
