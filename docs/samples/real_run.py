"""Write the reports of one real diagnosis (the embedded demo server, fault wrong-password) to
docs/samples/real/. Unlike generate.py this depends on the moment (ports, times, versions), so its
output is an example, not a golden file.

    python docs/samples/real_run.py
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from sourcedoctor.api import diagnose_sftp, redactor_for
from sourcedoctor.connectors.sftp.demo.server import DemoServer
from sourcedoctor.report import write_report

OUT = Path(__file__).resolve().parent / "real"


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    async with DemoServer(fault="wrong-password") as demo:
        settings = demo.settings()
        report = await diagnose_sftp(settings, timeout=5)
    redactor = redactor_for(settings)
    for fmt, name in (("json", "report.json"), ("md", "report.md"), ("html", "report.html"),
                      ("text", "report.txt"), ("bundle", "bundle.zip")):
        write_report(report, fmt, redactor, OUT / name)
        print(f"wrote {OUT / name}")


if __name__ == "__main__":
    asyncio.run(main())
