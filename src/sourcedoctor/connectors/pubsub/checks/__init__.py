"""Pub/Sub layers: settings, credentials, and the live layers reported as not testable offline."""
