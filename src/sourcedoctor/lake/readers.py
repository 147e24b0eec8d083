"""Per-file loading: DuckDB's reader for the format → the mapping → the dataset table + rejects.

Everything here is SQL run inside the caller's open transaction; the caller commits or rolls back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import duckdb

from .. import safejson
from .bounded import PreparedFile
from .errors import LakeError
from .mapping import Mapping
from .names import normalise_name, quote_ident, unique_names
from .plan import sniff_csv_plan
from .schema import ARCHIVE_COLUMN, BATCH_COLUMN, CSV_REASONS, MEMBER_COLUMN, RAW_LIMIT


def lit(value: Any) -> str:
    """A SQL literal for a Python value (strings quoted, never interpolated raw)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


@dataclass(frozen=True)
class SourceColumn:
    raw: str
    name: str
    type: str


@dataclass(frozen=True)
class FileLoad:
    """What one file contributed to a batch."""

    rows_read: int
    rows_ingested: int
    rows_rejected: int


@dataclass
class _Source:
    sql: str
    columns: list[SourceColumn]
    line_expr: str = "NULL"  # SQL giving the file line of a staged row, when the reader knows it
    counted: int | None = None  # records counted by a reader pre-pass (JSON lines)


class FileLoader:
    """Loads one prepared file into ``dataset`` as part of batch ``batch_id``."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        *,
        dataset: str,
        batch_id: int,
        mapping: Mapping,
        tag: str,
        limit: int | None,
    ) -> None:
        self.con = con
        self.dataset = dataset
        self.batch_id = batch_id
        self.mapping = mapping
        self.tag = tag
        self.limit = limit
        self._reject_head = f"INSERT INTO rejects SELECT {batch_id}, {lit(dataset)}"

    # -- readers ---------------------------------------------------------------------------------
    def _csv(self, prep: PreparedFile) -> _Source:
        plan = prep.plan
        if not plan.columns:
            plan = sniff_csv_plan(plan)
        names = unique_names(raw for raw, _ in plan.columns)
        cols = [SourceColumn(raw, n, t) for (raw, t), n in zip(plan.columns, names, strict=True)]
        spec = "{" + ", ".join(f"{lit(c.name)}: {lit(c.type)}" for c in cols) + "}"
        opts = [
            "auto_detect=false",
            f"delim={lit(plan.delimiter)}",
            f"quote={lit(plan.quote)}",
            f"escape={lit(plan.escape)}",
            f"header={lit(plan.header)}",
            f"skip={plan.skip_rows}",
            f"columns={spec}",
            "store_rejects=true",
            f"rejects_table='_sd_rj_{self.tag}'",
            f"rejects_scan='_sd_rs_{self.tag}'",
        ]
        if plan.encoding and plan.encoding.lower() in ("latin-1", "iso-8859-1", "latin1"):
            opts.append("encoding='latin-1'")
        if plan.compression:
            opts.append(f"compression={lit(plan.compression)}")
        sql = f"SELECT * FROM read_csv({lit(plan.path)}, {', '.join(opts)})"
        return _Source(sql, cols)

    def _csv_rejects(self, prep: PreparedFile) -> int:
        table = f"_sd_rj_{self.tag}"
        exists = self.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]
        ).fetchone()
        if not exists or not exists[0]:
            return 0
        reason = (
            "CASE CAST(min(error_type) AS VARCHAR) "
            + " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in CSV_REASONS.items())
            + " ELSE 'malformed_row' END"
        )
        row = self.con.execute(
            f"{self._reject_head}, {lit(prep.plan.label)}, line, NULL, {reason}, "
            f"string_agg(error_message, '; '), left(min(csv_line), {RAW_LIMIT}) "
            f"FROM {table} GROUP BY file_id, line"
        ).fetchone()
        self.con.execute(f"DROP TABLE IF EXISTS {table}")
        self.con.execute(f"DROP TABLE IF EXISTS _sd_rs_{self.tag}")
        return int(row[0]) if row else 0

    def _json_lines(self, prep: PreparedFile) -> tuple[_Source, int]:
        lines = f"_sd_jl_{self.tag}"
        self.con.execute(
            f"CREATE TEMP TABLE {lines} AS SELECT n AS _sd_line, line, CASE "
            "WHEN trim(line) = '' THEN 'blank' "
            "WHEN NOT json_valid(line) THEN 'invalid_json' "
            "WHEN json_type(line) <> 'OBJECT' THEN 'not_an_object' ELSE 'ok' END AS kind "
            "FROM (SELECT rtrim(unnest(l), chr(13)) AS line, generate_subscripts(l, 1) AS n "
            "FROM (SELECT string_split(content, chr(10)) AS l "
            f"FROM read_text({lit(prep.plan.path)})))"
        )
        # Multi-line JSON was rewritten one value per line: the line there is the record's ordinal.
        position = "NULL, _sd_line" if prep.plan.format == "json_multiline" else "_sd_line, NULL"
        row = self.con.execute(
            f"{self._reject_head}, {lit(prep.plan.label)}, {position}, kind, "
            "CASE kind WHEN 'invalid_json' THEN 'not valid JSON' "
            "ELSE 'valid JSON but not an object (one object per line expected)' END, "
            f"left(line, {RAW_LIMIT}) FROM {lines} WHERE kind IN ('invalid_json', 'not_an_object')"
        ).fetchone()
        rejected = int(row[0]) if row else 0
        counted = self.con.execute(f"SELECT count(*) FROM {lines} WHERE kind <> 'blank'").fetchone()
        structure_row = self.con.execute(
            f"SELECT json_group_structure(line::JSON) FROM {lines} WHERE kind = 'ok'"
        ).fetchone()
        try:
            structure = safejson.loads(structure_row[0]) if structure_row and structure_row[0] else {}
        except json.JSONDecodeError:  # DuckDB takes deeper JSON than Python's parser can
            raise LakeError("source", f"{prep.plan.label}: a record is nested too deeply to read; "
                                      "flatten the data") from None
        flat = {
            k: (
                "JSON"
                if isinstance(v, dict | list) or v == "JSON"
                else "VARCHAR"
                if v == "NULL"
                else str(v)
            )
            for k, v in structure.items()
        }
        names = unique_names(flat)
        cols = [SourceColumn(k, n, t) for (k, t), n in zip(flat.items(), names, strict=True)]
        fields = ", ".join(
            f"struct_extract(s, {lit(c.raw)}) AS {quote_ident(c.name)}" for c in cols
        )
        sql = (
            (
                f"SELECT _sd_line, {fields} FROM (SELECT _sd_line, json_transform(line, "
                f"{lit(json.dumps(flat))}) AS s FROM {lines} WHERE kind = 'ok')"
            )
            if cols
            else ""
        )
        line_expr = "NULL" if prep.plan.format == "json_multiline" else "_sd_line"
        src = _Source(sql, cols, line_expr, int(counted[0]) if counted else 0)
        return src, rejected

    def _whole_document(self, prep: PreparedFile) -> _Source:
        path = lit(prep.plan.path)
        reader = (
            f"read_parquet({path})"
            if prep.plan.format == "parquet"
            else f"read_json({path}, format='array')"
        )
        limit = f" LIMIT {self.limit}" if self.limit is not None else ""
        try:
            described = self.con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
        except duckdb.Error as exc:
            raise LakeError(
                "file",
                f"{prep.plan.label}: not readable as {prep.plan.format} "
                f"({str(exc).splitlines()[0]})",
            ) from None
        raws = [str(r[0]) for r in described]
        names = unique_names(raws)
        cols = [
            SourceColumn(raw, n, str(r[1]))
            for raw, n, r in zip(raws, names, described, strict=True)
        ]
        fields = ", ".join(f"{quote_ident(c.raw)} AS {quote_ident(c.name)}" for c in cols)
        return _Source(f"SELECT {fields} FROM {reader}{limit}", cols)

    # -- mapping ---------------------------------------------------------------------------------
    def _match(self, key: str, cols: list[SourceColumn], field: str) -> SourceColumn:
        for c in cols:
            if key in (c.raw, c.name) or normalise_name(key) == c.name:
                return c
        have = ", ".join(c.raw for c in cols) or "(no columns)"
        raise LakeError(f"map.{field}.{key}", f"no such column in the file; it has: {have}")

    def _mapped(self, cols: list[SourceColumn]) -> tuple[list[str], list[tuple[str, str]]]:
        """Select expressions, and (failure condition, failure detail) pairs for rejects."""
        m = self.mapping
        dropped = {self._match(k, cols, "drop").name for k in m.drop}
        renames = {self._match(k, cols, "rename").name: v for k, v in m.rename.items()}
        casts = {self._match(k, cols, "cast").name: t for k, t in m.cast.items()}
        exprs: list[str] = []
        fails: list[tuple[str, str]] = []
        out_names: list[str] = []
        for c in cols:
            if c.name in dropped:
                continue
            out = renames.get(c.name, c.name)
            src = quote_ident(c.name)
            if c.name in casts:
                t = casts[c.name]
                expr = f"TRY_CAST({src} AS {t})"
                fails.append(
                    (
                        f"({src} IS NOT NULL AND {expr} IS NULL)",
                        f"{lit(out + ': cannot cast ')} || {src}::VARCHAR || {lit(' to ' + t)}",
                    )
                )
            else:
                expr = src
            exprs.append(f"{expr} AS {quote_ident(out)}")
            out_names.append(out)
        for name, value in m.constants.items():
            exprs.append(f"{lit(value)} AS {quote_ident(name)}")
            out_names.append(name)
        dupes = {n for n in out_names if out_names.count(n) > 1}
        if dupes:
            raise LakeError("map.rename", f"two columns would both be named {sorted(dupes)[0]}")
        if m.identity:
            if m.identity not in out_names:
                raise LakeError(
                    "map.identity",
                    f"{m.identity} is not a column of the dataset; "
                    f"choose one of: {', '.join(out_names)}",
                )
            expr = exprs[out_names.index(m.identity)].rsplit(" AS ", 1)[0]
            fails.append(
                (
                    f"({expr} IS NULL OR trim(CAST({expr} AS VARCHAR)) = '')",
                    lit(f"identity column {m.identity} is empty"),
                )
            )
        return exprs, fails

    def _ensure_table(self, select_sql: str) -> None:
        cols = self.con.execute(f"DESCRIBE {select_sql}").fetchall()
        table = quote_ident(self.dataset)
        existing = {
            str(r[0])
            for r in self.con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND NOT internal "
                "AND schema_name = 'main'",
                [self.dataset],
            ).fetchall()
        }
        if not existing:
            body = ", ".join(f"{quote_ident(str(r[0]))} {r[1]}" for r in cols)
            self.con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({body})")
            return
        for r in cols:
            if str(r[0]) not in existing:
                self.con.execute(f"ALTER TABLE {table} ADD COLUMN {quote_ident(str(r[0]))} {r[1]}")

    # -- the whole file --------------------------------------------------------------------------
    def _lineage(self, prep: PreparedFile) -> list[str]:
        """The bookkeeping columns of each row: the batch, and for an archive member the archive
        and the member's name."""
        cols = [f"{self.batch_id}::INTEGER AS {BATCH_COLUMN}"]
        if prep.plan.member:
            cols += [f"{lit(prep.plan.archive)}::VARCHAR AS {ARCHIVE_COLUMN}",
                     f"{lit(prep.plan.member)}::VARCHAR AS {MEMBER_COLUMN}"]
        return cols

    def load(self, prep: PreparedFile) -> FileLoad:
        """Read, map and insert one file; rejects are written as they are found. A skipped
        archive entry (a directory, a link, a member of another format) contributes nothing."""
        if prep.skipped:
            return FileLoad(0, 0, 0)
        pre_rejected = 0
        fmt = prep.plan.format
        if fmt == "csv":
            src = self._csv(prep)
        elif fmt in ("json_lines", "json_multiline"):
            src, pre_rejected = self._json_lines(prep)
        else:
            src = self._whole_document(prep)
        ingested = rejected = 0
        if src.sql:
            exprs, fails = self._mapped(src.columns)
            select = ", ".join([*exprs, *self._lineage(prep)])
            table = quote_ident(self.dataset)
            self._ensure_table(f"SELECT {select} FROM ({src.sql})")
            if not fails:
                row = self.con.execute(
                    f"INSERT INTO {table} BY NAME SELECT {select} FROM ({src.sql})"
                ).fetchone()
                ingested = int(row[0]) if row else 0
            else:
                ingested, rejected = self._load_staged(prep, src, select, fails)
        if fmt == "csv":
            rejected += self._csv_rejects(prep)
        rejected += pre_rejected
        return self._account(prep, src, ingested, rejected)

    def _load_staged(
        self, prep: PreparedFile, src: _Source, select: str, fails: list[tuple[str, str]]
    ) -> tuple[int, int]:
        stage = f"_sd_stage_{self.tag}"
        self.con.execute(
            f"CREATE TEMP TABLE {stage} AS "
            f"SELECT row_number() OVER () AS _sd_rec, * FROM ({src.sql})"
        )
        any_fail = " OR ".join(cond for cond, _ in fails)
        details = ", ".join(f"CASE WHEN {cond} THEN {detail} END" for cond, detail in fails)
        n_casts = len(self.mapping.cast)
        cast_fail = " OR ".join(cond for cond, _ in fails[:n_casts]) or "false"
        raw = (
            "to_json(struct_pack("
            + ", ".join(f"{quote_ident(c.name)} := {quote_ident(c.name)}" for c in src.columns)
            + "))"
        )
        row = self.con.execute(
            f"{self._reject_head}, {lit(prep.plan.label)}, {src.line_expr}, _sd_rec, "
            f"CASE WHEN {cast_fail} THEN 'cast_failure' ELSE 'missing_identity' END, "
            f"concat_ws('; ', {details}), left(CAST({raw} AS VARCHAR), {RAW_LIMIT}) "
            f"FROM {stage} WHERE {any_fail}"
        ).fetchone()
        rejected = int(row[0]) if row else 0
        row = self.con.execute(
            f"INSERT INTO {quote_ident(self.dataset)} BY NAME SELECT {select} FROM {stage} "
            f"WHERE NOT ({any_fail})"
        ).fetchone()
        self.con.execute(f"DROP TABLE {stage}")
        return (int(row[0]) if row else 0), rejected

    def _account(self, prep: PreparedFile, src: _Source, ingested: int, rejected: int) -> FileLoad:
        counted = prep.records if prep.records is not None else src.counted
        read = ingested + rejected if counted is None else counted
        if read != ingested + rejected:
            # Our own count and the reader's disagree: refuse the batch rather than lose rows.
            raise LakeError(
                "file",
                f"{prep.plan.label}: {read} records read but only "
                f"{ingested} ingested + {rejected} rejected; the batch was not stored "
                "(please report this file's layout)",
            )
        return FileLoad(read, ingested, rejected)
