"""Azure Blob Storage (``azblob://ACCOUNT/CONTAINER/FOLDER``, or a pasted connection string / SAS URI).

See docs/azblob.md. azure-storage-blob (async API, aiohttp) is imported only when a run reaches the
authentication layer (:mod:`.client`).
"""
