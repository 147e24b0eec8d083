"""Pieces shared by the database connectors (PostgreSQL, MySQL/MariaDB): connection-string parsing,
identifier handling, close matches and type mapping."""
