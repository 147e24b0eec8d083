#!/usr/bin/env python3
"""Benchmark: `sourcedoctor fleet` over 200 connections vs. the same connections one after another.

Servers, all on this machine: OpenSSH sshd instances and embedded asyncssh servers (`--servers`
of each, 12 by default), the latter behind a relay that adds a 100 ms round trip (customers are far
away), two more embedded servers for missing folders; 6 peers that accept and never answer (banner
timeout) and 6 closed ports. The mix: healthy (sshd, and far embedded servers),
wrong password (sshd, with PAM's failure delay), missing folder, banner timeout, refused.

Baseline, in the same run: the same engine one connection at a time (`fleet --parallel 1`)
over all 200 connections (about 4-5 minutes on the 2-core machine). `--sample K` runs
only every K-th block of ten connections instead (each block holds every kind in its share) and
scales the time by the number of connections, for a quicker estimate.
Goal: the fleet is >= 10x faster, its peak RSS <= 300 MB, and no server sees more parallel
connections than allowed — counted on the server side (the embedded servers count their own
connections; each sshd sits behind a counting relay).

Run from the repository root as root (sshd):  python3 bench/fleet.py [--connections 200] [--sample K]
"""

from __future__ import annotations

import argparse
import json
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
#: Servers of each sort. 200 connections on 12 sshd and 12 far embedded servers is still about six
#: connections per server (a customer base is usually wider than that); `--servers 6` packs them
#: twice as tight, and the sweep then takes as long as its busiest server's diagnoses one after
#: another (docs/fleet.md, "Speed").
SERVERS = 12


def entry(name: str, url: str, fingerprint: str, password_env: str, timeout: float, extra: str = "") -> str:
    return (f'[[connection]]\nname = "{name}"\nurl = "{url}"\nhost_key_fingerprint = "{fingerprint}"\n'
            f'password_env = "{password_env}"\ntimeout = {timeout}\n{extra}\n')


def run_fleet(path: Path, *args: str) -> tuple[float, dict[str, int]]:
    env = {**os.environ, "SSHD_PW": TEST_PASSWORD, "DEMO_PW": "demo-sftp-pass", "WRONG_PW": "wrong-pw"}
    t0 = time.perf_counter()
    proc = subprocess.run(["sourcedoctor", "fleet", str(path), "--no-lake", "--no-prompt",
                           "--format", "json", "-o", str(path.with_suffix(f".{len(args)}.json")),
                           "--force", *args], capture_output=True, text=True, env=env, timeout=3600,
                          check=False, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"fleet failed ({proc.returncode}): {proc.stderr[-800:]}")
    counts: dict[str, int] = json.loads(path.with_suffix(f".{len(args)}.json").read_text())["counts"]
    return elapsed, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--servers", type=int, default=SERVERS,
                        help="sshd instances, and far embedded servers (each)")
    parser.add_argument("--sample", type=int, default=1,
                        help="baseline runs every K-th block of ten connections (1: all of them)")
    args = parser.parse_args()
    ensure_test_users()
    work = Path(tempfile.mkdtemp(prefix="sd-fleet-bench-"))
    n = args.servers
    sshds = [SshdServer().start() for _ in range(n)]
    sshd_relays = [LatencyRelay(s.port, rtt=0).start() for s in sshds]
    demos = [ThreadedServer(DemoServer()) for _ in range(n + 2)]
    demo_servers = [t.start() for t in demos]
    far = [LatencyRelay(d.port, rtt=0.1).start() for d in demo_servers[:n]]
    pits = [tarpit().start() for _ in range(6)]
    # The tarpits sit behind counting relays too: they are servers the limit must protect as well.
    pit_relays = [LatencyRelay(p.port, rtt=0).start() for p in pits]
    closed = [refused_port().start() for _ in range(6)]
    try:
        kinds = []
        # Each kind goes round the servers of its sort on its own, so every server gets its share
        # of each kind (with one shared rotation, i % 6 against i % 10 put all the wrong-password
        # runs, the slowest kind, on three of the six sshd).
        turn: dict[str, int] = {}

        def next_of(sort: str, among: int) -> int:
            turn[sort] = turn.get(sort, -1) + 1
            return turn[sort] % among

        for i in range(args.connections):
            kind = i % 10
            if kind in (0, 1, 2):  # healthy sshd
                k = next_of("sshd-ok", n)
                s, r = sshds[k], sshd_relays[k]
                kinds.append(entry(f"sshd-ok-{i}", f"sftp://{USER}@127.0.0.1:{r.port}/data",
                                   ",".join(s.fingerprints.values()), "SSHD_PW", 3,
                                   'file = "customers.csv"'))
            elif kind in (3, 4):  # healthy, far away
                k = next_of("far", n)
                d, r = demo_servers[k], far[k]
                kinds.append(entry(f"far-ok-{i}", f"sftp://demo@127.0.0.1:{r.port}/inbound",
                                   d.fingerprint, "DEMO_PW", 3))
            elif kind == 5:  # wrong password (PAM's failure delay)
                k = next_of("sshd-badpw", n)
                s, r = sshds[k], sshd_relays[k]
                kinds.append(entry(f"sshd-badpw-{i}", f"sftp://{USER}@127.0.0.1:{r.port}/data",
                                   ",".join(s.fingerprints.values()), "WRONG_PW", 3))
            elif kind == 6:  # missing folder
                d = demo_servers[n + (i // 10) % 2]
                kinds.append(entry(f"nofolder-{i}", f"sftp://demo@127.0.0.1:{d.port}/nope",
                                   d.fingerprint, "DEMO_PW", 3))
            elif kind in (7, 8):  # accepts, never answers
                p = pit_relays[next_of("tarpit", 6)]
                kinds.append(entry(f"tarpit-{i}", f"sftp://u@127.0.0.1:{p.port}/in", "", "DEMO_PW", 2))
            else:  # closed port
                c = closed[next_of("refused", 6)]
                kinds.append(entry(f"refused-{i}", f"sftp://u@127.0.0.1:{c.port}/in", "", "DEMO_PW", 2))
        full = work / "fleet.toml"
        full.write_text("".join(kinds))
        sample = work / "sample.toml"
        picked = [k for i, k in enumerate(kinds) if (i // 10) % args.sample == 0]
        sample.write_text("".join(picked))
        t_fleet, counts = run_fleet(full, "--parallel", "16", "--per-host", str(PER_HOST))
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        # What each server saw during the fleet run (the sequential run below adds nothing: one
        # connection at a time).
        server_peaks = {"embedded": [d.peak_connections for d in demo_servers],
                        "sshd": [r.max_active for r in sshd_relays],
                        "tarpit": [r.max_active for r in pit_relays]}
        t_sample, _ = run_fleet(sample, "--parallel", "1")
        t_seq = t_sample * len(kinds) / len(picked)
        print(f"fleet of {args.connections} connections ({n} sshd, {n + 2} embedded servers, {n} of "
              "them at 100 ms RTT, 6 tarpits, 6 closed ports)")
        print(f"  verdicts: {', '.join(f'{n} {v}' for v, n in counts.items())}")
        print(f"  fleet --parallel 16 --per-host {PER_HOST}      {t_fleet:8.2f} s")
        label = ("one after another, all of them" if args.sample == 1
                 else f"one after another, est. from {len(picked)}")
        print(f"  {label:36} {t_seq:8.2f} s  (that run took {t_sample:.2f} s)")
        print(f"  speed-up                             {t_seq / t_fleet:8.1f} x   (goal >= 10)")
        print(f"  peak RSS of the fleet process        {rss_mb:8.0f} MB  (goal <= 300)")
        worst = max(max(v) for v in server_peaks.values())
        print(f"  most parallel connections any server saw (server side): {worst} (allowed: {PER_HOST})")
        for kind, peaks in server_peaks.items():
            print(f"    {kind:9} per server: {peaks}")
    finally:
        for service in [*far, *sshd_relays, *pit_relays, *pits, *closed]:
            service.stop()
        for t in demos:
            t.stop()
        for s in sshds:
            s.stop()


if __name__ == "__main__":
    main()
