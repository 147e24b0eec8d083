"""The local lake: a DuckDB file that receives bounded preview batches, with rejects and lineage.

Public API (used by the CLI and the TUI)::

    lake = Lake(path)                      # default: platformdirs user data dir / lake.duckdb
    result = lake.ingest(path_or_plan_or_sample, "customers", rows=10_000, mapping=load_mapping(f),
                         sampling=Sampling(target="aep"))   # files sampled as the preview does
    lake.datasets(); lake.batches(); lake.rejects(batch_id); lake.show("customers", 20)
    lake.export("customers", "out.parquet", "parquet")
    await ingest_from_source(lake, file_source, ["in/a.csv"], "customers")   # SFTP etc.

A file the preview finds unreadable (empty, unknown bytes, xz, UTF-16...) raises
``DataRefused`` (a LakeError) carrying the preview's findings; nothing is stored. A zip or tar
archive is ingested member by member (``sourcedoctor.lake.archives``), each row naming the archive
and the member (``_sd_archive``, ``_sd_member``).
"""

from __future__ import annotations

from .bounded import PreparedFile, RecordCutter, prepare_file
from .errors import LakeBusy, LakeError
from .mapping import Mapping, load_mapping, mapping_from_dict
from .names import normalise_name, unique_names
from .plan import IngestPlan, plan_for_path, plan_from_sample
from .readable import DataRefused, blocking_findings
from .remote import DEFAULT_MAX_BYTES, fetch_sample, ingest_from_source
from .sampling import Sampling
from .store import DEFAULT_ROWS, BatchResult, Lake, default_lake_path

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_ROWS",
    "BatchResult",
    "DataRefused",
    "IngestPlan",
    "Lake",
    "LakeBusy",
    "LakeError",
    "Mapping",
    "PreparedFile",
    "RecordCutter",
    "Sampling",
    "blocking_findings",
    "default_lake_path",
    "fetch_sample",
    "ingest_from_source",
    "load_mapping",
    "mapping_from_dict",
    "normalise_name",
    "plan_for_path",
    "plan_from_sample",
    "prepare_file",
    "unique_names",
]
