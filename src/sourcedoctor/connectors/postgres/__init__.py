"""PostgreSQL (and Postgres-protocol servers: Redshift, Aurora, CockroachDB) connector."""
