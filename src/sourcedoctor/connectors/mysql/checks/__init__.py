"""The MySQL/MariaDB layers, one module each, in plan order: settings, protocol, tls, auth,
database, relation (table and grants), sample (rows, types, delta column)."""
