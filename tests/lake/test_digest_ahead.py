"""A file ingested whole is hashed beside its sampling (lake/bounded.DigestAhead), and the batch's
bookkeeping is the same as when it was hashed after: the same content adds nothing, changed
content is a new batch, a refused file leaves no hashing behind."""

from __future__ import annotations

import gzip
import hashlib
import os
import time
from pathlib import Path

import pytest

from sourcedoctor.lake import DataRefused, Lake
from sourcedoctor.lake.bounded import DigestAhead
from sourcedoctor.lake.sampling import Sampling


def test_digest_is_the_files_sha256(tmp_path: Path) -> None:
    data = os.urandom(3 * (1 << 20) + 17)  # over several reads, not a multiple of one
    path = tmp_path / "blob.csv"
    path.write_bytes(data)
    ahead = DigestAhead.worth_starting(str(path))
    assert ahead is not None
    assert ahead.result() == hashlib.sha256(data).hexdigest()


def test_compressed_files_are_not_hashed_ahead(tmp_path: Path) -> None:
    """A compressed file is never hashed whole (its decompressed records are): no thread."""
    path = tmp_path / "rows.csv.gz"
    path.write_bytes(gzip.compress(b"id,name\n1,a\n"))
    assert DigestAhead.worth_starting(str(path)) is None


def test_a_cancelled_digest_stops_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with open(path, "wb") as fh:  # 4 GiB of holes: hashing it all would take seconds
        fh.truncate(4 << 30)
    ahead = DigestAhead(str(path))
    t0 = time.monotonic()
    ahead.cancel()
    assert ahead.result() is None
    assert time.monotonic() - t0 < 1.0


def test_whole_file_batches_by_content(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake.duckdb")
    src = tmp_path / "rows.csv"
    src.write_text("id,name\n1,alpha\n2,beta\n")
    first = lake.ingest([src], "d", rows=None)
    assert first.rows_ingested == 2 and not first.skipped_duplicate
    again = lake.ingest([src], "d", rows=None)
    assert again.skipped_duplicate and again.duplicate_of == first.batch_id
    src.write_text("id,name\n1,alpha\n2,gamma\n")  # same size, other content
    changed = lake.ingest([src], "d", rows=None)
    assert not changed.skipped_duplicate and changed.rows_ingested == 2


def test_a_refused_file_cancels_its_digest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[DigestAhead] = []
    real = DigestAhead.worth_starting

    def record(path: str) -> DigestAhead | None:
        ahead = real(path)
        if ahead is not None:
            started.append(ahead)
        return ahead

    monkeypatch.setattr(DigestAhead, "worth_starting", staticmethod(record))
    src = tmp_path / "u16.csv"
    src.write_bytes("id,name\n1,ålpha\n".encode("utf-16"))  # the aep target refuses UTF-16
    with pytest.raises(DataRefused):
        Lake(tmp_path / "lake.duckdb").ingest([src], "d", rows=None,
                                              sampling=Sampling(target="aep"))
    assert len(started) == 1 and started[0]._cancelled.is_set()
