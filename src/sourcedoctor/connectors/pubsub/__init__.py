"""Google Pub/Sub (settings only): project, topic/subscription names and the pasted service-account
JSON checked offline; the live layers are marked as not testable offline."""
