"""The detail pane shows the client-compatibility matrix as readable rows (plain data: the matrix itself is
proven against real sshd instances in tests/sftp/test_compat_matrix.py)."""

from __future__ import annotations

from sourcedoctor.model import CheckResult, Status
from sourcedoctor.tui.widgets.check_detail import render_result


def test_matrix_is_shown_per_client_not_as_a_json_blob() -> None:
    matrix = [
        {"stack": "asyncssh", "label": "asyncssh 2.24.1 (sourcedoctor)", "source": "its lists",
         "method": "computed", "ok": True, "missing": [],
         "agreed": {"kex": "curve25519-sha256", "host_key": "ssh-ed25519",
                    "cipher": "chacha20-poly1305@openssh.com", "mac": "implicit (AEAD cipher)"}},
        {"stack": "sshnet-2023", "label": "platform client (SSH.NET 2023 lists)", "source": "x",
         "method": "computed", "ok": False, "missing": ["cipher"],
         "agreed": {"kex": "curve25519-sha256", "host_key": "ssh-ed25519", "cipher": None,
                    "mac": "hmac-sha2-256"}},
    ]
    result = CheckResult("ssh.compat", "Client compatibility", Status.FAIL, facts={"matrix": matrix})
    text = render_result(result).plain
    assert "Client compatibility\n" in text
    assert "✗ platform client (SSH.NET 2023 lists) — no cipher" in text
    assert "✓ asyncssh 2.24.1 (sourcedoctor) — connects" in text
    assert "cipher ✗ none in common" in text
    assert "Facts" not in text  # the matrix was the only fact
    assert '"stack"' not in text  # the raw facts are not dumped again below the table
