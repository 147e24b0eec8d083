#!/usr/bin/env python3
"""Benchmark: `sourcedoctor fleet` over 200 connections vs. the same connections one after another.

Servers, all on this machine: OpenSSH sshd instances and embedded asyncssh servers, some of the
latter behind a relay that adds a 100 ms round trip (customers are far away); peers that accept and
never answer (banner timeout) and closed ports. The mix: healthy (sshd, and far embedded servers),
wrong password (sshd, with PAM's failure delay), missing folder, banner timeout, refused.

Baseline, in the same run: the same engine one connection at a time (`fleet --parallel 1`) over a
stratified 1-in-K sample of the connections (every K-th entry, so each kind keeps its share),
scaled by K — running all 200 one after another takes several minutes; `--sample 1` does it.
Goal: the fleet is >= 10x faster, its peak RSS <= 300 MB, and no server sees more parallel
connections than allowed — counted on the server side (the embedded servers count their own
connections; each sshd sits behind a counting relay).

Run from the repository root as root (sshd):  python3 bench/fleet.py [--connections 200] [--sample 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fixtures.embedded import ThreadedServer
from tests.fixtures.peers import refused_port, tarpit
from tests.fixtures.relay import LatencyRelay
from tests.fixtures.sshd import TEST_PASSWORD, USER, SshdServer, ensure_test_users

from sourcedoctor.connectors.sftp.demo.server import DemoServer

PER_HOST = 2


def entry(name: str, url: str, fingerprint: str, password_env: str, timeout: float, extra: str = "") -> str:
    return (f'[[connection]]\nname = "{name}"\nurl = "{url}"\nhost_key_fingerprint = "{fingerprint}"\n'
            f'password_env = "{password_env}"\ntimeout = {timeout}\n{extra}\n')


def run_fleet(path: Path, *args: str) -> tuple[float, int]:
    env = {**os.environ, "SSHD_PW": TEST_PASSWORD, "DEMO_PW": "demo-sftp-pass", "WRONG_PW": "wrong-pw"}
    t0 = time.perf_counter()
    proc = subprocess.run(["sourcedoctor", "fleet", str(path), "--no-lake", "--no-prompt",
                           "--format", "json", "-o", str(path.with_suffix(f".{len(args)}.json")),
                           "--force", *args], capture_output=True, text=True, env=env, timeout=3600,
                          check=False, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"fleet failed ({proc.returncode}): {proc.stderr[-800:]}")
    return elapsed, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--sample", type=int, default=5, help="baseline runs every K-th connection")
    args = parser.parse_args()
    ensure_test_users()
    work = Path(tempfile.mkdtemp(prefix="sd-fleet-bench-"))
    sshds = [SshdServer().start() for _ in range(6)]
    sshd_relays = [LatencyRelay(s.port, rtt=0).start() for s in sshds]
    demos = [ThreadedServer(DemoServer()) for _ in range(8)]
    demo_servers = [t.start() for t in demos]
    far = [LatencyRelay(d.port, rtt=0.1).start() for d in demo_servers[:6]]
    pits = [tarpit().start() for _ in range(6)]
    closed = [refused_port().start() for _ in range(6)]
    try:
        kinds = []
        for i in range(args.connections):
            kind = i % 10
            if kind in (0, 1, 2):  # healthy sshd
                s, r = sshds[i % 6], sshd_relays[i % 6]
                kinds.append(entry(f"sshd-ok-{i}", f"sftp://{USER}@127.0.0.1:{r.port}/data",
                                   ",".join(s.fingerprints.values()), "SSHD_PW", 3,
                                   'file = "customers.csv"'))
            elif kind in (3, 4):  # healthy, far away
                d, r = demo_servers[i % 6], far[i % 6]
                kinds.append(entry(f"far-ok-{i}", f"sftp://demo@127.0.0.1:{r.port}/inbound",
                                   d.fingerprint, "DEMO_PW", 3))
            elif kind == 5:  # wrong password (PAM's failure delay)
                s, r = sshds[i % 6], sshd_relays[i % 6]
                kinds.append(entry(f"sshd-badpw-{i}", f"sftp://{USER}@127.0.0.1:{r.port}/data",
                                   ",".join(s.fingerprints.values()), "WRONG_PW", 3))
            elif kind == 6:  # missing folder
                d = demo_servers[6 + i % 2]
                kinds.append(entry(f"nofolder-{i}", f"sftp://demo@127.0.0.1:{d.port}/nope",
                                   d.fingerprint, "DEMO_PW", 3))
            elif kind in (7, 8):  # accepts, never answers
                p = pits[i % 6]
                kinds.append(entry(f"tarpit-{i}", f"sftp://u@127.0.0.1:{p.port}/in", "", "DEMO_PW", 2))
            else:  # closed port
                c = closed[i % 6]
                kinds.append(entry(f"refused-{i}", f"sftp://u@127.0.0.1:{c.port}/in", "", "DEMO_PW", 2))
        full = work / "fleet.toml"
        full.write_text("".join(kinds))
        sample = work / "sample.toml"
        sample.write_text("".join(kinds[:: args.sample]))
        t_fleet, _ = run_fleet(full, "--parallel", "16", "--per-host", str(PER_HOST))
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        t_sample, _ = run_fleet(sample, "--parallel", "1", "--per-host", "1")
        t_seq = t_sample * args.sample
        server_peaks = [d.peak_connections for d in demo_servers] + [r.max_active for r in sshd_relays]
        print(f"fleet of {args.connections} connections (6 sshd, 8 embedded servers, 6 of them at "
              "100 ms RTT, 6 tarpits, 6 closed ports)")
        print(f"  fleet --parallel 16 --per-host {PER_HOST}      {t_fleet:8.2f} s")
        print(f"  one after another (1-in-{args.sample} sample x {args.sample}) {t_seq:8.2f} s  "
              f"(sample took {t_sample:.2f} s)")
        print(f"  speed-up                             {t_seq / t_fleet:8.1f} x   (goal >= 10)")
        print(f"  peak RSS of the fleet process        {rss_mb:8.0f} MB  (goal <= 300)")
        print(f"  most parallel connections any server saw (server side): {max(server_peaks)} "
              f"(allowed: {PER_HOST}; per server: {server_peaks})")
    finally:
        for service in [*far, *sshd_relays, *pits, *closed]:
            service.stop()
        for t in demos:
            t.stop()
        for s in sshds:
            s.stop()


if __name__ == "__main__":
    main()
