"""Amazon Kinesis Data Streams (and endpoints that speak its API, such as LocalStack or moto).

``kinesis://STREAM?region=REGION``; see docs/streaming.md. botocore is imported only when a run
reaches the stream layer (:mod:`.client`); the keys are found as the S3 connector finds them.
"""
