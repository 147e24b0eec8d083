"""Which setup-form field a finding points at, so ``e`` can jump straight to it."""

from __future__ import annotations

from ..model import Finding, Report, Severity

#: Exact codes first, then prefixes (``key.`` covers every key finding). Values are form field ids.
_EXACT: dict[str, str] = {
    "auth.password_rejected": "password",
    "auth.keyboard_interactive_only": "password",
    "auth.key_rejected": "key",
    "auth.no_credentials": "password",
    "auth.method_not_offered": "key",
    "auth.partial_success": "password",
    "ssh.hostkey_mismatch": "host_key_fingerprint",
    "ssh.hostkey_unknown": "host_key_fingerprint",
    "sftp.concurrency_limited": "max_connections",
    "path.naming_violation": "folder",
    "dns.private_address": "host",
}
_PREFIX: dict[str, str] = {
    "key.": "key",
    "path.": "folder",
    "dns.": "host",
    "tcp.": "host",
    "ssh.not_ssh": "port",
    "ssh.": "host",
    "file.": "folder",
    "data.": "folder",
}
#: Settings-model names that the form shows under another id (the key path/content share one box).
_FORM_ALIASES: dict[str, str] = {
    "key_path": "key",
    "key_content": "key",
    "privateKeyContent": "key",
    "userName": "user",
    "passPhrase": "passphrase",
    "folderPath": "folder",
    "maxConcurrentConnections": "max_connections",
}


def form_field(name: str) -> str:
    """The form field id for a settings field name or platform alias."""
    return _FORM_ALIASES.get(name, name)


def field_for_finding(finding: Finding) -> str | None:
    """The form field that caused ``finding``, or None when no field can fix it."""
    if finding.code == "config.invalid":
        named = finding.evidence.get("field")
        return form_field(str(named)) if named else None
    if finding.code in _EXACT:
        return _EXACT[finding.code]
    for prefix, name in _PREFIX.items():
        if finding.code.startswith(prefix):
            return name
    return None


def culprit_field(report: Report) -> str | None:
    """The field behind the report's root cause (the first failing finding), if any."""
    root = report.root_cause
    if root is None:
        return None
    result = report.result(root.check)
    finding = next((f for f in (result.findings if result else ()) if f.code == root.code), None)
    if finding is None:
        finding = Finding(code=root.code, severity=Severity.FAIL, summary=root.summary)
    return field_for_finding(finding)
