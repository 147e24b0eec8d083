"""Apache Kafka (and Kafka-compatible brokers: Confluent, Redpanda, MSK, Tansu).

``kafka://BROKER:9092/TOPIC`` (plain) and ``kafka+ssl://BROKER:9093/TOPIC`` (TLS); see
docs/streaming.md. confluent-kafka (librdkafka) is imported only when a run reaches the broker
layer (:mod:`.client`).
"""
