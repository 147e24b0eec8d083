"""The result of inspecting one piece of key material."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..model import Finding, Severity

if TYPE_CHECKING:
    import asyncssh


@dataclass(frozen=True)
class KeyReport:
    """Everything learned about a key, safe to show: no private material except ``private_key``.

    ``private_key`` is the loaded key for authentication (converted in memory from PPK when needed);
    it is left out of ``repr()`` and ``to_dict()``.
    """

    source: str
    target: str
    format: str
    description: str
    key_type: str | None = None
    bits: int | None = None
    curve: str | None = None
    encrypted: bool | None = None
    cipher: str | None = None
    kdf: str | None = None
    comment: str | None = None
    fingerprint_sha256: str | None = None
    fingerprint_md5: str | None = None
    authorized_keys_line: str | None = None
    normalized: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    private_key: asyncssh.SSHKey | None = field(default=None, repr=False, compare=False)

    @property
    def usable(self) -> bool:
        """A private key was loaded and can be used to authenticate."""
        return self.private_key is not None

    @property
    def target_ok(self) -> bool:
        """Usable and nothing the target would refuse (no FAIL finding)."""
        return self.usable and not any(f.severity >= Severity.FAIL for f in self.findings)

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def facts(self) -> dict[str, Any]:
        """The neutral description (no findings), e.g. for a check's facts."""
        return {
            "source": self.source,
            "format": self.format,
            "description": self.description,
            "type": self.key_type,
            "bits": self.bits,
            "curve": self.curve,
            "encrypted": self.encrypted,
            "cipher": self.cipher,
            "kdf": self.kdf,
            "comment": self.comment,
            "fingerprint_sha256": self.fingerprint_sha256,
            "fingerprint_md5": self.fingerprint_md5,
            "authorized_keys_line": self.authorized_keys_line,
            "normalized": list(self.normalized),
            "usable": self.usable,
            "target": self.target,
            "target_ok": self.target_ok,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; never contains private key material."""
        return {**self.facts(), "findings": [f.to_dict() for f in self.findings]}
