"""Fleet output and deadlines against real peers: HTML/Markdown with each failing connection's fix,
and a per-connection deadline that holds against servers that never answer."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from sourcedoctor.connectors.sftp.demo.server import DemoServer
from sourcedoctor.fleet.inventory import parse_inventory
from sourcedoctor.fleet.run import FleetFinished, FleetResult, FleetRun
from tests.fixtures.embedded import ThreadedServer


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sourcedoctor", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1", **(env or {})}, check=False,
                          stdin=subprocess.DEVNULL)


async def _sweep(fleet: FleetRun) -> FleetResult:
    async for event in fleet.events():
        if isinstance(event, FleetFinished):
            return event.result
    raise AssertionError("no FleetFinished")


def test_html_and_markdown_carry_each_failing_connections_fix(tmp_path: Path) -> None:
    demo = ThreadedServer(DemoServer())
    server = demo.start()
    try:
        common = f'host_key_fingerprint = "{server.fingerprint}"\npassword_env = "PW"\n'
        fleet = tmp_path / "fleet.toml"
        fleet.write_text(
            f'[[connection]]\nname = "ok"\nurl = "sftp://{server.user}@127.0.0.1:{server.port}/inbound"\n{common}'
            f'[[connection]]\nname = "<b>missing</b>"\nurl = "sftp://{server.user}@127.0.0.1:{server.port}/nope"\n'
            f"{common}")
        html, md = tmp_path / "out.html", tmp_path / "out.md"
        for fmt, out in (("html", html), ("md", md)):
            proc = run("fleet", str(fleet), "--no-lake", "--format", fmt, "-o", str(out),
                       env={"PW": server.password})
            assert proc.returncode == 1, proc.stderr
    finally:
        demo.stop()
    page = html.read_text()
    assert page.startswith("<!DOCTYPE html>") and "2 connections: 1 fail, 1 pass" in page
    assert "<b>missing</b>" not in page and "&lt;b&gt;missing&lt;/b&gt;" in page  # escaped
    assert "What to change, per connection" in page and "<code>path.not_found</code>" in page
    assert "Run it again: <code>sourcedoctor check sftp://" in page
    assert server.password not in page
    text = md.read_text()
    assert "### \\<b>missing\\</b>: `path.not_found`" in text
    assert "--password-env PW" in text  # the reproduce command names the row's own variable
    assert server.password not in text


async def test_each_connection_keeps_its_own_deadline(peers) -> None:  # type: ignore[no-untyped-def]
    """Servers that accept and never answer: every row ends within its own budget (12 × its
    timeout at most), a short-timeout row does not wait for a long one, and nothing is left running."""
    tarpit = peers.tarpit()
    text = "".join(
        f'[[connection]]\nname = "pit-{t}"\nurl = "sftp://u@127.0.0.1:{tarpit.port}/in"\ntimeout = {t}\n'
        for t in (0.5, 1, 2))
    entries = parse_inventory(text, "toml")
    t0 = time.monotonic()
    result = await _sweep(FleetRun(entries, {}, parallel=3, per_host=8))
    elapsed = time.monotonic() - t0
    by_name = {item.name: item for item in result.items}
    for timeout in (0.5, 1, 2):
        item = by_name[f"pit-{timeout}"]
        assert item.verdict == "fail" and item.root_cause, item
        assert item.duration_ms <= timeout * 12 * 1000 + 500, (item.name, item.duration_ms)
    # The short rows finished before the long one: each has its own deadline, not the sweep's.
    assert by_name["pit-0.5"].duration_ms < by_name["pit-2"].duration_ms
    assert elapsed < 2 * 12 + 5
    assert json.dumps(by_name["pit-0.5"].report).count("timeout") >= 1


def test_shared_secret_of_any_connector_is_named_as_the_likely_change() -> None:
    from sourcedoctor.fleet.run import FleetItem
    from sourcedoctor.fleet.summary import group_causes

    hint = {"secrets_from": "secret access key from environment variable LANDING_SECRET"}
    items = [FleetItem(name, f"s3://{name}/in", "generic", "fail", "s3.access_denied", "", 1,
                       f"{name}.s3.amazonaws.com", {}, hint) for name in ("a", "b", "c")]
    (group,) = group_causes(items)
    assert group.line() == ("3 connections: s3.access_denied — all read their secret access key from "
                            "environment variable LANDING_SECRET: probably a changed secret")
