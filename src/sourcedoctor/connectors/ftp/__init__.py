"""The FTP/FTPS connector: ``ftp://``, ``ftps://`` (explicit AUTH TLS) and ``ftps+implicit://``.

settings → DNS → TCP → greeting → TLS → login → data channel → folder → listing → files →
sample → format. See docs/ftp.md for what each layer proves and why ftplib runs in a worker thread.
"""
