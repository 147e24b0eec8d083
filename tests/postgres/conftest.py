"""Peers for the PostgreSQL connector's tests: one private cluster per session (seeded once), the
machine's PostgreSQL (127.0.0.1:5432, trust) and TLS certificates from a trustme CA.

Each test that changes the private cluster's pg_hba.conf or TLS goes through the ``pg`` fixture,
which puts the default rules back (scram-sha-256 over TCP, TLS off) after the test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fixtures.postgres import DEFAULT_HBA, PrivateCluster
from tests.fixtures.tls import Certificates

READER_PASSWORD = "reader-pw-Ä1;x"  # a ';' and a non-ASCII letter: quoting in connection strings
MD5_PASSWORD = "md5-user-pw"

SEED = r"""
SET password_encryption = 'scram-sha-256';
CREATE ROLE reader LOGIN PASSWORD '{reader}';
SET password_encryption = 'md5';
CREATE ROLE md5user LOGIN PASSWORD '{md5}';
SET password_encryption = 'scram-sha-256';
CREATE ROLE nologin NOLOGIN PASSWORD '{reader}';
"""
SEED_SHOP = r"""
CREATE SCHEMA sales;
CREATE SCHEMA vault;
CREATE TABLE sales.orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer text NOT NULL,
  amount numeric(10,2), created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX orders_updated ON sales.orders (updated_at);
INSERT INTO sales.orders (customer, amount) SELECT 'customer ' || g, g * 1.5 FROM generate_series(1, 10) g;
CREATE TABLE sales.small (id integer, name text);
INSERT INTO sales.small SELECT g, 'row ' || g FROM generate_series(1, 10) g;
CREATE TABLE sales.big (id integer, name text);
INSERT INTO sales.big SELECT g, 'row ' || g FROM generate_series(1, 1000000) g;
ANALYZE sales.big;
CREATE TABLE sales.changes (id integer, changed_at timestamp);
INSERT INTO sales.changes SELECT g, now() FROM generate_series(1, 5) g;
CREATE TABLE sales.secret (id integer);
CREATE TABLE sales.shapes (id integer PRIMARY KEY, spot point, span int4range);
INSERT INTO sales.shapes VALUES (1, point(1, 2), int4range(1, 5));
CREATE TABLE sales.guarded (id integer, owner_name text);
INSERT INTO sales.guarded VALUES (1, 'someone else');
ALTER TABLE sales.guarded ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON sales.guarded USING (owner_name = current_user);
CREATE VIEW sales.slow AS SELECT pg_sleep(30)::text AS waited, 1 AS id;
CREATE VIEW sales.broken AS SELECT id, 1 / (id - id) AS ratio FROM sales.small;
CREATE TABLE "sales"."Mixed Case" (id integer);
CREATE DOMAIN sales.label AS varchar(20);
CREATE TABLE sales.labelled (id integer, tag sales.label);
INSERT INTO sales.labelled VALUES (1, 'one'), (2, 'two'), (3, 'three');
CREATE TABLE vault.gold (id integer);
GRANT CONNECT ON DATABASE shop TO reader, md5user;
GRANT USAGE ON SCHEMA sales TO reader, md5user;
GRANT SELECT ON sales.orders, sales.small, sales.big, sales.changes, sales.shapes, sales.guarded,
  sales.slow, sales.broken, sales.labelled, "sales"."Mixed Case" TO reader, md5user;
GRANT SELECT ON vault.gold TO reader;
"""


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return Certificates(tmp_path_factory.mktemp("pg-tls"))


@pytest.fixture(scope="session")
def cluster() -> Iterator[PrivateCluster]:
    """The session's private cluster, seeded: roles reader (scram, SELECT only), md5user (md5),
    database shop with schema sales (10-row and 1,000,000-row tables...)."""
    with PrivateCluster() as c:
        c.sql(SEED.format(reader=READER_PASSWORD, md5=MD5_PASSWORD))
        c.sql("CREATE DATABASE shop")
        c.sql(SEED_SHOP, database="shop")
        yield c


@pytest.fixture
def pg(cluster: PrivateCluster) -> Iterator[PrivateCluster]:
    """The private cluster for one test; its pg_hba.conf and TLS are reset afterwards."""
    yield cluster
    cluster.set_hba(DEFAULT_HBA)
    if cluster.sql("SHOW ssl") != "off":
        cluster.set_ssl(None)
