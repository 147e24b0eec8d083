"""Amazon S3 and S3-compatible object storage (Google Cloud Storage interop, MinIO, Ceph, Wasabi).

``s3://BUCKET/FOLDER`` and ``gs://BUCKET/FOLDER``; see docs/s3.md. botocore is imported only
when a run reaches the network layers (:mod:`.client`).
"""
