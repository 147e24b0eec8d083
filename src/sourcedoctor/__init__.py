"""sourcedoctor: layered troubleshooting for data-source connectors.

The library face: build settings, run a diagnosis, get a :class:`~sourcedoctor.model.Report`::

    from sourcedoctor import api
    settings = api.sftp_settings("sftp://bob@sftp.example.com/inbound", password="...")
    report = api.diagnose_sftp_sync(settings, target="aep")
    print(report.verdict, report.root_cause)
"""

__version__ = "0.1.0"
