"""Masking never rewrites the report: a secret (or, with --redact-hosts, a user name) equal to a
word of the report's own vocabulary leaves the report byte-identical to a run with random ones.

Real diagnoses against one embedded SFTP server (tests/fixtures/embedded.py), many runs in-process
through the api. The vocabulary comes from the catalogue and from the baseline reports themselves:
every code's parts, every check id, every JSON key, the verdict, status and severity words and the
setting names. Words rotate through the roles — run i has word i as the user, word i+1 as the
password and word i+2 as the passphrase — so with N words each path takes N runs and every word is,
once per path, the user, the password and the passphrase:

- pass path: a password login (the passphrase is given too; the key path is the command test's);
- fail path: even runs a wrong password (``auth.password_rejected``), odd runs a wrong passphrase
  (``key.passphrase_wrong``).

Each report is written as JSON plain and with --redact-hosts and compared with a run with random
words: the plain one with the random user's name swapped for the word, the --redact-hosts one as
it is. Only timings are normalised. Foreign text the server sends (an error string) may contain
a word as an ordinary token; there, and only there, masking it is the expected difference.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import shutil
import subprocess
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from sourcedoctor import api
from sourcedoctor.codes import CATALOGUE, make_finding
from sourcedoctor.config.secrets import MASK, Redactor
from sourcedoctor.connectors.sftp.demo.server import DEMO_FOLDER, DemoServer, ServerOptions
from sourcedoctor.connectors.sftp.plan import build_plan
from sourcedoctor.connectors.sftp.settings import SftpSettings
from sourcedoctor.model import CheckResult, Report, Severity, Status, Verdict, find_root_cause
from sourcedoctor.report import to_json
from sourcedoctor.report.redaction import FOREIGN_KEYS
from sourcedoctor.sentence import say
from sourcedoctor.targets import TARGETS
from tests.fixtures.embedded import ThreadedServer
from tests.fixtures.keys import KeyFiles, make_key
from tests.support import require_binary

RIGHT = "Right-" + secrets.token_hex(6)
#: How many diagnoses run at once against the one server (the engine is async).
CONCURRENCY = 8
# Sample data whose tokens are not report vocabulary, so the file sample stays byte-identical.
FILES = {f"{DEMO_FOLDER}/orders.jsonl": b'{"zq_order": 1, "zq_qty": 2}\n{"zq_order": 2, "zq_qty": 5}\n'}


def _random_word() -> str:
    return "Rnd" + secrets.token_hex(5)


@dataclass(frozen=True)
class Words:
    """Who logs in and with what, in one run."""

    user: str
    password: str
    passphrase: str


class Harness:
    """One embedded server, its mutable credential table and the test key."""

    def __init__(self, server: DemoServer, users: dict[str, str], key: KeyFiles, tmp: Path) -> None:
        self.server, self.users, self.key, self.tmp = server, users, key, tmp
        self.wrong_key = self._encrypt("Other-" + RIGHT)

    def settings(self, w: Words, **values: Any) -> SftpSettings:
        self.users[w.user] = RIGHT
        values.update(user=w.user, password=SecretStr(w.password),
                      passphrase=SecretStr(w.passphrase))
        if isinstance(values.get("key_content"), str):
            values["key_content"] = SecretStr(values["key_content"])
        return self.server.settings(**values)

    def _encrypt(self, passphrase: str) -> str:
        copy = self.tmp / f"k{secrets.token_hex(6)}"
        shutil.copy(self.key.private, copy)
        subprocess.run([require_binary("ssh-keygen"), "-q", "-p", "-P", "", "-N", passphrase,
                        "-a", "1", "-f", str(copy)], check=True, capture_output=True)
        return copy.read_text()

    async def key_with(self, passphrase: str) -> str:
        """The test key's text, encrypted by ssh-keygen with ``passphrase`` (one KDF round)."""
        return await asyncio.to_thread(self._encrypt, passphrase)


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    tmp = tmp_path_factory.mktemp("vocab")
    key = make_key(tmp, "ed25519")
    users: dict[str, str] = {}
    options = ServerOptions(users=users, authorized_keys=(key.public_line,), files=FILES)
    with ThreadedServer(DemoServer(options=options)) as server:
        yield Harness(server, users, key, tmp)


# --- the runs ----------------------------------------------------------------------------------

Run = Callable[[Harness, Words], Awaitable[tuple[Report, SftpSettings]]]


async def pass_by_password(h: Harness, w: Words) -> tuple[Report, SftpSettings]:
    """Healthy: the password logs in (the passphrase is given too, with no key to open)."""
    settings = h.settings(w)
    h.users[w.user] = w.password
    report = await api.diagnose_sftp(settings, timeout=5)
    assert report.verdict is Verdict.PASS, (w, report.codes)
    return report, settings


async def fail_password(h: Harness, w: Words) -> tuple[Report, SftpSettings]:
    settings = h.settings(w)
    report = await api.diagnose_sftp(settings, timeout=5)
    assert report.root_cause is not None, (w, report.codes)
    assert report.root_cause.code == "auth.password_rejected", (w, report.codes)
    return report, settings


async def fail_passphrase(h: Harness, w: Words) -> tuple[Report, SftpSettings]:
    settings = h.settings(w, key_content=h.wrong_key)
    report = await api.diagnose_sftp(settings, timeout=5)
    assert report.root_cause is not None, (w, report.codes)
    assert report.root_cause.code == "key.passphrase_wrong", (w, report.codes)
    return report, settings


RUNS: dict[str, Run] = {
    "pass-by-password": pass_by_password, "fail-password": fail_password,
    "fail-passphrase": fail_passphrase,
}


def renderings(report: Report, settings: SftpSettings) -> dict[str, str]:
    """The JSON report as written, plain and with --redact-hosts, by the run's own redactor."""
    return {"plain": to_json(report, api.redactor_for(settings)),
            "redact-hosts": to_json(report, api.redactor_for(settings, redact_hosts=True))}


# --- the vocabulary ----------------------------------------------------------------------------

def _keys(value: Any, out: set[str]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            if re.fullmatch(r"[A-Za-z_]\w*", k):  # names, not data keys such as paths
                out.add(k)
            _keys(v, out)
    elif isinstance(value, list):
        for v in value:
            _keys(v, out)


def vocabulary(reports: list[str]) -> list[str]:
    words: set[str] = set()
    for code in CATALOGUE:
        words |= {code, *re.split(r"[._]", code), *code.split(".")}
    for text in reports:
        data = json.loads(text)
        _keys(data, words)
        words |= {check["id"] for check in data["checks"]}
    settings = SftpSettings.model_validate({"host": "h", "user": "u"})
    for target in TARGETS.values():  # the ids of layers these runs do not reach (aep's own)
        words |= {part for check in build_plan(settings, target)
                  for part in (check.id, *re.split(r"[._]", check.id), *check.id.split("."))}
    words |= {s.label for s in Status} | {s.label for s in Severity} | {v.value for v in Verdict}
    for name, info in SftpSettings.model_fields.items():
        words |= {name, *([info.alias] if info.alias else [])}
    # (Secrets shorter than 3 characters are never registered, names are from 2 on: "id" counts.)
    return sorted(w for w in words if len(w) >= 2)


# --- the comparison ----------------------------------------------------------------------------

_TIMING = re.compile(r"^\+\s*\d+ ms ")
_USER_MARK = "<<USER>>"


def _normalise(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: None if k in ("started_at", "duration_ms") or k.endswith(("_ms", "_s"))
                else _normalise(v, k) for k, v in value.items()}
    if isinstance(value, list) and key == "transcript":
        return sorted(_TIMING.sub("+ ms ", line) for line in value)
    if isinstance(value, list):
        return [_normalise(v, key) for v in value]
    return value


def _token_subs(text: str, word: str, by: str) -> set[str]:
    """``text`` with ``word`` replaced as a whole token (both readings of "whole" at hyphens)."""
    return {re.sub(rf"(?<!{edge}){re.escape(word)}(?!{edge})", by, text)
            for edge in (r"\w", r"[\w-]")}


def _masked_forms(text: str, w: Words, mode: str) -> set[str]:
    """What foreign ``text`` may become when the run's words are masked (and pseudonymised)."""
    forms = {text}
    for secret in (w.password, w.passphrase):
        forms |= {m for f in forms for m in _token_subs(f, secret, MASK)}
    if mode == "redact-hosts":
        forms |= {m for f in forms for m in _token_subs(f, w.user, "user-1")}
        if w.user in (w.password, w.passphrase):  # masked as a secret before it got a pseudonym
            forms |= {m for f in forms for m in _token_subs(f, "user-1", MASK)}
    return forms


def differences(want: Any, got: Any, w: Words, mode: str, path: tuple[str, ...] = ()) -> list[str]:
    """Every place ``got`` differs from ``want``, except foreign text in which one of the run's
    own words was masked or pseudonymised as a whole token."""
    where = "/".join(path)
    if isinstance(want, dict) and isinstance(got, dict):
        if list(want) != list(got):
            return [f"{where}: keys {list(want)} != {list(got)}"]
        return [d for k in want for d in differences(want[k], got[k], w, mode, (*path, k))]
    if isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            return [f"{where}: {want!r} != {got!r}"]
        return [d for i, (a, b) in enumerate(zip(want, got, strict=True))
                for d in differences(a, b, w, mode, (*path, str(i)))]
    if want == got:
        return []
    if isinstance(want, str) and isinstance(got, str) and FOREIGN_KEYS.intersection(path) \
            and got in _masked_forms(want, w, mode):
        return []
    return [f"{where}: {want!r} != {got!r}"]


@dataclass
class Baseline:
    """Runs with a random user and random secrets. A word's run must equal the first one, the plain
    rendering with the user's name swapped. Its transcript lines are compared as a set: each must be
    one that a baseline logged or exactly what the run itself logged (which lines a run logs, and in
    what order, depends on timing — the server's KEXINIT, the concurrent layers — not on words)."""

    user: str
    texts: dict[str, str]
    transcripts: dict[str, set[str]]

    def expected(self, mode: str, user: str) -> Any:
        text = self.texts[mode].replace(self.user, user) if mode == "plain" else self.texts[mode]
        return _normalise(json.loads(text))


async def _baseline(h: Harness, run: Run) -> Baseline:
    user = _random_word()
    texts = [renderings(*await run(h, Words(user, _random_word(), _random_word())))
             for _ in range(3)]
    lines = {mode: {line for t in texts for line in _normalise(json.loads(
        t[mode].replace(user, _USER_MARK)))["extras"]["transcript"]} for mode in texts[0]}
    return Baseline(user, texts[0], lines)


def _unrewritten(report: Report, h: Harness, mode: str) -> set[str]:
    """The run's own transcript lines as logged, i.e. as they read when redaction left them alone
    (with --redact-hosts the server's address is the first IPv4 pseudonym)."""
    lines = [_TIMING.sub("+ ms ", str(line)) for line in report.extras.get("transcript", [])]
    if mode == "redact-hosts":
        lines = [line.replace(h.server.host, "192.0.2.1") for line in lines]
    return set(lines)


def _rotation(words: list[str]) -> list[Words]:
    """Run i: user word i, password word i+1, passphrase word i+2 (each word takes every role)."""
    n = len(words)
    return [Words(words[i], words[(i + 1) % n], words[(i + 2) % n]) for i in range(n)]


#: Which runs of the rotation each run kind takes (the fail path alternates its two kinds).
SLICES = {"pass-by-password": slice(None), "fail-password": slice(0, None, 2),
          "fail-passphrase": slice(1, None, 2)}


async def _check(h: Harness, name: str, rotation: list[Words], run: Run | None = None) -> list[str]:
    run = run or RUNS[name]
    base = await _baseline(h, run)
    problems: list[str] = []
    for start in range(0, len(rotation), CONCURRENCY):
        batch = rotation[start:start + CONCURRENCY]
        results = await asyncio.gather(*(run(h, w) for w in batch))
        for w, (report, settings) in zip(batch, results, strict=True):
            for mode, text in renderings(report, settings).items():
                got, want = _normalise(json.loads(text)), base.expected(mode, w.user)
                allowed = {line.replace(_USER_MARK, w.user) for line in base.transcripts[mode]}
                allowed |= _unrewritten(report, h, mode)
                problems += [f"{name} {mode} {w}: transcript line {line!r}"
                             for line in got["extras"].pop("transcript") if line not in allowed]
                want["extras"].pop("transcript")
                problems += [f"{name} {mode} {w}: {d}" for d in differences(want, got, w, mode)]
    return problems


@pytest.fixture(scope="module")
def words(harness: Harness) -> list[str]:
    async def collect() -> list[str]:
        texts = []
        for run in RUNS.values():
            report, settings = await run(harness, Words(*(_random_word() for _ in range(3))))
            texts.append(to_json(report, api.redactor_for(settings)))
        return vocabulary(texts)
    return asyncio.run(collect())


@pytest.mark.parametrize("name", list(RUNS))
async def test_report_vocabulary_never_rewritten(harness: Harness, words: list[str],
                                                 name: str) -> None:
    # The issue's own examples are in the vocabulary (so the test is about the right thing).
    assert {"password", "auth", "rejected", "wrong", "check", "checks", "schema", "code",
            "key", "passphrase", "verdict", "fail", "id", "parallel_logins"} <= set(words)
    problems = await _check(harness, name, _rotation(words)[SLICES[name]])
    assert problems == [], "\n".join(problems[:40])


#: The issue's own cases, each on the path where its word meets the matching code.
ISSUE_CASES = {
    "fail-password": [Words("ingest", "password", "Rnd1"), Words("ingest", "auth", "Rnd2"),
                      Words("ingest", "rejected", "Rnd3"), Words("ingest", "check", "Rnd4"),
                      Words("checks", "Rnd5", "Rnd6"), Words("schema", "Rnd7", "Rnd8"),
                      Words("code", "Rnd9", "Rnd10"), Words("id", "Rnd11", "Rnd12")],
    "fail-passphrase": [Words("ingest", "Rnd13", "wrong"), Words("ingest", "Rnd14", "key"),
                        Words("ingest", "Rnd15", "passphrase")],
}


@pytest.mark.parametrize("name", list(ISSUE_CASES))
async def test_issue_examples(harness: Harness, name: str) -> None:
    """password `password` → `auth.«redacted»_rejected`, passphrase `wrong` →
    `key.passphrase_«redacted»`, user `checks` renaming the JSON key…: never again."""
    problems = await _check(harness, name, ISSUE_CASES[name])
    assert problems == [], "\n".join(problems[:40])


@pytest.mark.parametrize("name", ["pass-by-password", "fail-password"])
async def test_password_equal_to_the_user_name(harness: Harness, name: str) -> None:
    """A user name is a setting, shown as it is in ``target.user``: a password equal to it is
    masked only in foreign text (the library's "Permission denied for user …"), never in the
    tool's sentences that quote the user ("the server refused the password for user …")."""
    same = _random_word()
    problems = await _check(harness, name, [Words(same, same, _random_word())])
    assert problems == [], "\n".join(problems[:40])


async def test_reproduce_command_with_passphrase_key(harness: Harness) -> None:
    """Passphrase "key" used to turn `--key PATH` into `--«redacted» …/«redacted»s/enc`."""
    key_file = harness.tmp / "keys" / "enc"
    key_file.parent.mkdir(exist_ok=True)
    key_file.write_text(await harness.key_with("key"))
    key_file.chmod(0o600)
    settings = harness.settings(Words("ingest", RIGHT, "key"), key_path=str(key_file))
    report = await api.diagnose_sftp(settings, timeout=5)
    assert report.verdict is Verdict.PASS, report.codes
    command = json.loads(to_json(report, api.redactor_for(settings)))["command"]
    assert f"--key {key_file}" in command and "--passphrase-env SFTP_PASSPHRASE" in command
    assert command == report.command  # nothing in it was rewritten


async def test_password_equal_to_the_folder_name(harness: Harness) -> None:
    """The folder is a setting (``target.folder``, the URL): a password equal to its name leaves
    every listed path, the sample's file names and the sentences that quote them as they are."""
    folder = _random_word()
    (harness.server.root / folder).mkdir()
    (harness.server.root / folder / "orders.jsonl").write_bytes(FILES[f"{DEMO_FOLDER}/orders.jsonl"])

    async def pass_in_the_folder(h: Harness, w: Words) -> tuple[Report, SftpSettings]:
        settings = h.settings(w, folder=folder)
        h.users[w.user] = w.password
        report = await api.diagnose_sftp(settings, timeout=5)
        assert report.verdict is Verdict.PASS, (w, report.codes)
        assert report.result("sftp.folder").facts["first_files"] == [f"/{folder}/orders.jsonl"]  # type: ignore[union-attr]
        return report, settings

    problems = await _check(harness, "pass-in-the-folder", [Words(_random_word(), folder, _random_word())],
                            run=pass_in_the_folder)
    assert problems == [], "\n".join(problems[:40])


async def test_passphrase_equal_to_the_key_file_name(harness: Harness) -> None:
    """The key file's path is a setting, shown as it is in ``target.key_path`` and the command:
    where the key layer quotes it again (``source``), a passphrase equal to the file's name is not
    masked either (``…/keys/«redacted»`` beside the plain path would tell the passphrase)."""
    word = _random_word()
    key_file = harness.tmp / "named" / word
    key_file.parent.mkdir(exist_ok=True)
    key_file.write_text(await harness.key_with(word))
    key_file.chmod(0o600)
    settings = harness.settings(Words("ingest", RIGHT, word), key_path=str(key_file))
    report = await api.diagnose_sftp(settings, timeout=5)
    assert report.verdict is Verdict.PASS, report.codes
    for mode, text in renderings(report, settings).items():
        assert MASK not in text, mode
    data = json.loads(renderings(report, settings)["plain"])
    key_layer = next(c for c in data["checks"] if c["id"] == "ssh.key")
    assert key_layer["facts"]["source"] == str(key_file) == data["target"]["key_path"]


def test_field_rules_for_a_user_named_code() -> None:
    """A user called like a key (``code``) with --redact-hosts: the key, the code and the tool's
    words stay; the user is replaced where it is quoted by name, in paths and in foreign text."""
    finding = make_finding(
        "auth.password_rejected", say("the server refused the password for user {user}", user="code"),
        evidence={"error": "Permission denied for code (exit code 5)", "home": "/home/code/in",
                  "methods": ["password"]}, user="code")
    result = CheckResult("ssh.auth", "Authentication", Status.FAIL, 3, (finding,))
    report = Report(schema="sourcedoctor.report/1", tool={}, target={"user": "code", "host": "h.example.com"},
                    started_at="", duration_ms=0, verdict=Verdict.FAIL,
                    root_cause=find_root_cause((result,)), checks=(result,),
                    command="sourcedoctor check sftp://code@h.example.com/in --password-env SFTP_PASSWORD")
    data = json.loads(to_json(report, Redactor(["Pw-" + RIGHT], redact_hosts=True)))
    got = data["checks"][0]["findings"][0]
    assert got["code"] == "auth.password_rejected" and "code" in got
    assert got["summary"] == "the server refused the password for user user-1"
    assert got["evidence"]["home"] == "/home/user-1/in"
    assert got["evidence"]["error"] == "Permission denied for user-1 (exit user-1 5)"  # foreign
    assert data["target"]["user"] == "user-1"
    assert data["command"] == "sourcedoctor check sftp://user-1@host-1/in --password-env SFTP_PASSWORD"
    assert any("journalctl -u ssh | grep user-1" in step for step in got["fix"])
