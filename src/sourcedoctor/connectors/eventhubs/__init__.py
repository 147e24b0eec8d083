"""Azure Event Hubs (settings only): namespace, SAS key and connection string checked offline; the
live layers (AMQP, authorization, partitions, consumer group) are marked as not testable offline."""
