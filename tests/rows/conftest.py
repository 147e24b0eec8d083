"""The PostgreSQL peer of the row tests: the machine's server (127.0.0.1:5432, trust auth,
database ``test``), and a table of the test's own, created with asyncpg and dropped afterwards."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

DSN = "postgresql://postgres@127.0.0.1:5432/test"
HOSTILE = "\x1b]0;owned\x07\x1b[2J[bold]x[/bold]\u202e"


async def _sql(*statements: tuple[str, tuple[Any, ...]]) -> None:
    import asyncpg

    conn = await asyncpg.connect(DSN, timeout=10)
    try:
        for sql, args in statements:
            await conn.execute(sql, *args)
    finally:
        await conn.close()


@pytest.fixture
def table() -> Iterator[str]:
    """``public.sd_rows_<random>``: 5 rows of common types, one hostile text, one bytea column."""
    name = f"sd_rows_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_sql(
            (f"CREATE TABLE public.{name} (id integer PRIMARY KEY, customer text, "
             "amount numeric(10,2), placed_at timestamptz, doc jsonb, tags text[], blob bytea)", ()),
            (f"INSERT INTO public.{name} SELECT i, 'customer ' || i, i + 0.5, "
             "timestamptz '2025-01-15 09:00:00+00' + make_interval(mins => i), "
             "jsonb_build_object('n', i), ARRAY['a', 'b'], '\\x0102'::bytea "
             "FROM generate_series(1, 4) AS i", ()),
            (f"INSERT INTO public.{name} VALUES (5, $1, 1.25, NULL, NULL, NULL, NULL)", (HOSTILE,)),
        ))
    except (OSError, ImportError) as exc:  # no server: under CI that is a failure, not a skip
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL at 127.0.0.1:5432 is needed: {exc}")
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 not reachable: {exc}")
    try:
        yield f"public.{name}"
    finally:
        asyncio.run(_sql((f"DROP TABLE IF EXISTS public.{name}", ())))


