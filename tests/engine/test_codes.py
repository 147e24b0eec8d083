"""The finding-code catalogue is complete, documented, and docs/codes.md is generated from it."""

from __future__ import annotations

import re
from pathlib import Path

from sourcedoctor.codes import CATALOGUE, make_finding, render_markdown
from sourcedoctor.model import Severity

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT.parent / "shared" / "guide" / "finding-codes.md"
# The contract's codes, as listed in shared/guide/finding-codes.md (kept here so the test also
# runs where shared/ is absent).
CONTRACT = """
config.invalid dns.nxdomain dns.no_answer dns.servfail dns.timeout dns.private_address tcp.refused
tcp.timeout tcp.unreachable ssh.not_ssh ssh.banner_timeout ssh.closed_before_banner
ssh.no_common_algorithm ssh.kex_legacy ssh.hostkey_algorithm_legacy ssh.hostkey_mismatch
ssh.hostkey_unknown auth.no_credentials auth.method_not_offered auth.keyboard_interactive_only
auth.password_rejected auth.key_rejected auth.partial_success auth.too_many_failures key.not_a_key
key.public_not_private key.ppk_format key.corrupt key.passphrase_required key.passphrase_wrong
key.unsupported_by_target key.weak sftp.subsystem_unavailable sftp.shell_noise
sftp.concurrency_limited sftp.range_read_unsupported path.not_found path.not_a_directory
path.permission_denied path.empty path.naming_violation file.permission_denied data.empty_file
data.format_unknown data.encoding data.json_multiline data.json_invalid data.csv_ragged
data.header_missing data.compression_unsupported check.timeout check.internal_error""".split()  # noqa: SIM905


def test_every_contract_code_exists() -> None:
    assert set(CONTRACT) <= set(CATALOGUE)


def test_contract_matches_shared_guide_when_present() -> None:
    if not GUIDE.exists():
        return
    listed = set(re.findall(r"^\| ([a-z_]+\.[a-z_]+) \|", GUIDE.read_text(), re.M))
    assert listed == set(CONTRACT)


def test_every_code_is_documented() -> None:
    for code, entry in CATALOGUE.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*\.[a-z_]+", code), code
        assert entry.title and len(entry.explanation) > 40, code
        assert entry.fix and entry.audience, code


def test_docs_codes_md_is_fresh() -> None:
    doc = ROOT / "docs" / "codes.md"
    assert doc.read_text() == render_markdown(), "regenerate: python -m sourcedoctor.codes > docs/codes.md"


def test_fix_templates_fill_known_values_and_keep_unknown_ones() -> None:
    f = make_finding("tcp.timeout", "x", host="sftp.example.com", port=2222)
    assert any("2222" in step for step in f.fix)
    f2 = make_finding("tcp.timeout", "x")
    assert any("{port}" in step for step in f2.fix)
    assert f.severity is Severity.FAIL
