"""Diagnosis checks, one module per layer. See :mod:`sourcedoctor.checks.base` for the contract."""
