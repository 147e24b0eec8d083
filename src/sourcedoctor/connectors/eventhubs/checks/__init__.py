"""Event Hubs layers: settings, credentials, and the live layers reported as not testable offline."""
