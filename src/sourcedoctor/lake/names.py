"""Dataset and column names in the lake: one normalisation rule, used everywhere.

Rule: Unicode is folded to ASCII where it has an obvious equivalent (``é`` → ``e``), letters are
lower-cased, every run of other characters becomes one ``_``, leading/trailing ``_`` are trimmed,
a name that would start with a digit gets a ``c_`` prefix (``t_`` for datasets), an empty result
becomes ``col`` (``dataset``), and duplicates get ``_2``, ``_3``... in order of appearance.
Names starting with ``_sd_`` are reserved for the lake's own bookkeeping columns, and the dataset
names in :data:`RESERVED_DATASETS` for its own tables (``dataset_name`` refuses them).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from .errors import LakeError
from .schema import METADATA_TABLES

_NOT_NAME = re.compile(r"[^a-z0-9]+")
RESERVED_PREFIX = "_sd_"

#: Dataset names the lake keeps for its own tables: a dataset by one of these names would write
#: into the bookkeeping (``--dataset rejects`` once broke every later CSV ingest).
RESERVED_DATASETS = frozenset(METADATA_TABLES)


def normalise_name(raw: str, *, kind: str = "column") -> str:
    """The lake name for ``raw`` (see the module docstring for the rule)."""
    ascii_text = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode("ascii")
    name = _NOT_NAME.sub("_", ascii_text.lower()).strip("_")
    if not name:
        name = "col" if kind == "column" else "dataset"
    if name[0].isdigit():
        name = ("c_" if kind == "column" else "t_") + name
    return name


def dataset_name(raw: str, *, field: str = "dataset") -> str:
    """The lake name of a dataset; :class:`LakeError` naming ``field`` if that name is reserved."""
    name = normalise_name(raw, kind="dataset")
    if name in RESERVED_DATASETS:
        taken = ", ".join(sorted(RESERVED_DATASETS))
        raise LakeError(
            field,
            f"{name!r} is reserved for the lake's own tables ({taken}); "
            f"choose another name, e.g. {name}_data",
        )
    return name


def unique_names(raws: Iterable[str]) -> list[str]:
    """Normalise each name and make the list unique by suffixing ``_2``, ``_3``..."""
    seen: set[str] = set()
    out: list[str] = []
    for raw in raws:
        base = normalise_name(raw)
        name, n = base, 1
        while name in seen:
            n += 1
            name = f"{base}_{n}"
        seen.add(name)
        out.append(name)
    return out


def quote_ident(name: str) -> str:
    """A SQL identifier, double-quoted (names are normalised, but quoting keeps keywords safe)."""
    return '"' + name.replace('"', '""') + '"'
