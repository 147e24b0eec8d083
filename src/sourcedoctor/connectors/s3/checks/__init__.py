"""The S3 connector's own layers (credentials, addressing, signature, bucket, listing, objects)."""
