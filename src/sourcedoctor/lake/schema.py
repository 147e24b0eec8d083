"""The lake's own tables: ``datasets``, ``batches``, ``rejects`` and ``fleet_results`` (created on
first write)."""

from __future__ import annotations

#: Bookkeeping column added to every dataset table: which batch brought the row.
BATCH_COLUMN = "_sd_batch"
#: Lineage of rows that came from an archive: the archive (as the batch names it) and the member.
ARCHIVE_COLUMN = "_sd_archive"
MEMBER_COLUMN = "_sd_member"

#: Longest raw record kept in ``rejects.raw`` (characters); longer ones are cut and marked.
RAW_LIMIT = 2048

METADATA_TABLES = ("datasets", "batches", "rejects", "fleet_results")

DDL = (
    """CREATE TABLE IF NOT EXISTS datasets (
        name VARCHAR PRIMARY KEY,
        created_at TIMESTAMPTZ NOT NULL,
        identity_column VARCHAR,
        mapping JSON,
        format VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS batches (
        batch_id INTEGER PRIMARY KEY,
        dataset VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        files JSON NOT NULL,
        rows_read BIGINT NOT NULL,
        rows_ingested BIGINT NOT NULL,
        rows_rejected BIGINT NOT NULL,
        started_at TIMESTAMPTZ NOT NULL,
        finished_at TIMESTAMPTZ NOT NULL,
        status VARCHAR NOT NULL,
        content_hash VARCHAR NOT NULL,
        duplicate_of INTEGER
    )""",
    """CREATE TABLE IF NOT EXISTS rejects (
        batch_id INTEGER NOT NULL,
        dataset VARCHAR NOT NULL,
        file VARCHAR NOT NULL,
        line BIGINT,
        record BIGINT,
        reason VARCHAR NOT NULL,
        detail VARCHAR,
        raw VARCHAR
    )""",
    # One row per connection per `sourcedoctor fleet` sweep: the history a support team queries.
    """CREATE TABLE IF NOT EXISTS fleet_results (
        sweep_started_at TIMESTAMPTZ NOT NULL,
        name VARCHAR NOT NULL,
        url VARCHAR NOT NULL,
        target VARCHAR NOT NULL,
        verdict VARCHAR NOT NULL,
        root_cause VARCHAR,
        summary VARCHAR,
        duration_ms BIGINT NOT NULL,
        report JSON NOT NULL
    )""",
)

#: DuckDB's CSV reject error types → our reason codes.
CSV_REASONS = {
    "CAST": "cast_failure",
    "MISSING COLUMNS": "ragged_row",
    "TOO MANY COLUMNS": "ragged_row",
    "UNQUOTED VALUE": "bad_quoting",
    "LINE SIZE OVER MAXIMUM": "line_too_long",
    "INVALID ENCODING": "invalid_encoding",
    "INVALID STATE": "malformed_row",
}
