"""The PostgreSQL connector's diagnosis layers."""
