"""SFTP connection settings: the pydantic model, ``sftp://`` URL parsing, field validation.

Field aliases are the platform's own names (``userName``, ``folderPath``...), so a profile copied
from the platform's connection JSON validates as it is.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from ...config import validation
from ...config.urls import SettingsError, host_name_problem, parse_resolver, parse_sftp_url
from ...userfiles import KEY_LIMIT, UserFileError, check_regular, is_dev_null, read_user_file

__all__ = ["SettingsError", "SftpSettings", "build_settings", "parse_resolver", "parse_sftp_url",
           "read_secret_file", "redacted_url", "settings_error"]

_HOST_OK = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$")


class SftpSettings(BaseModel):
    """Everything needed to reach an SFTP source. Secrets are SecretStr and never echoed."""

    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="forbid")

    host: str = Field(description="Server name or IP address, without scheme, user or path.")
    port: int = Field(22, description="TCP port of the SSH server (1-65535).")
    user: str = Field(alias="userName", description="Login user name on the SFTP server.")
    password: SecretStr | None = Field(None, description="Password for the plain password method.")
    key_path: str | None = Field(None, description="Path to the private key file.")
    key_content: SecretStr | None = Field(
        None,
        alias="privateKeyContent",
        description="Private key text, raw or base64-encoded on one line (as the platform wants it).",
    )
    passphrase: SecretStr | None = Field(
        None, alias="passPhrase", description="Passphrase of an encrypted private key."
    )
    folder: str = Field(
        "",
        alias="folderPath",
        description="Folder to read; relative to the login directory unless it starts with '/'.",
    )
    max_connections: int = Field(
        3,
        alias="maxConcurrentConnections",
        description="Parallel connections the platform will open (the probe never opens more).",
    )
    known_hosts: str | None = Field(None, description="known_hosts file to verify the host key with.")
    host_key_fingerprint: str | None = Field(
        None,
        description="Pinned host key fingerprint(s), e.g. SHA256:abc...; several comma-separated.",
    )
    accept_new: bool = Field(False, description="Write an unknown host key to known_hosts.")
    resolver: str | None = Field(None, description="DNS server to ask, IP[:PORT] (default: system).")
    max_entries: int = Field(10_000, description="Most folder entries ever listed.")
    sample_files: int = Field(3, description="How many files to open and sample.")
    head_bytes: int = Field(1 << 20, description="Bytes read from the head of each sampled file.")
    file: str | None = Field(None, description="Sample this file (name inside the folder) only.")

    @field_validator("host")
    @classmethod
    def _host(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("is empty; give the server's name or IP address")
        if "://" in v:
            raise ValueError("must not contain a scheme (use 'sftp.example.com', not 'sftp://...')")
        if "/" in v:
            raise ValueError("must not contain a path; put the folder in folderPath")
        if "@" in v:
            raise ValueError("must not contain the user; put it in userName")
        if any(c.isspace() for c in v):
            raise ValueError("must not contain spaces")
        # "[fe80::1%25eth0]" as in a URL: the brackets go, the zone's %25 is decoded.
        bare = unquote(v[1:-1]) if v.startswith("[") and v.endswith("]") else v
        try:
            ipaddress.ip_address(bare)
            return bare
        except ValueError:
            pass
        if v.count(":") > 1:
            raise ValueError("is not a valid IPv6 address (write it as 2001:db8::10, or in a URL as "
                             "[2001:db8::10])")
        if ":" in v:
            raise ValueError("must not contain a port; put it in port")
        problem = host_name_problem(v)  # label/name lengths: resolvers would fail obscurely
        if problem:
            raise ValueError(problem)
        # A trailing dot (fully qualified, no search domains) is kept as written.
        if not _HOST_OK.match(v.removesuffix(".")):
            raise ValueError("is not a valid host name (letters, digits, '-', '_' and dots)")
        return v

    @field_validator("port")
    @classmethod
    def _port(cls, v: int) -> int:
        if not 1 <= v <= 65535:
            raise ValueError("must be between 1 and 65535")
        return v

    @field_validator("user")
    @classmethod
    def _user(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("is empty; give the SFTP login name")
        if any(c.isspace() or ord(c) < 32 for c in v):
            raise ValueError("must not contain spaces or control characters")
        return v

    @field_validator("max_connections")
    @classmethod
    def _maxconn(cls, v: int) -> int:
        if not 1 <= v <= 16:
            raise ValueError("must be between 1 and 16")
        return v

    @field_validator("max_entries", "sample_files", "head_bytes")
    @classmethod
    def _positive(cls, v: int) -> int:
        if v < 1:
            raise ValueError("must be at least 1")
        return v

    @field_validator("resolver")
    @classmethod
    def _resolver(cls, v: str | None) -> str | None:
        if v is not None:
            parse_resolver(v)  # its ValueError names the problem; pydantic reports it on the field
        return v

    @field_validator("host_key_fingerprint")
    @classmethod
    def _pins(cls, v: str | None) -> str | None:
        # Checked here, before any connection: a malformed pin would otherwise read as a
        # host-key mismatch, the interception warning.
        if v is None or not v.strip():
            return None
        from .pins import parse_pins

        return ",".join(parse_pins(v))

    @field_validator("key_path")
    @classmethod
    def _key_path(cls, v: str | None) -> str | None:
        if v is None or v == "-":
            return v
        p = Path(v).expanduser()
        if not p.exists():
            raise ValueError(f"file {v} does not exist")
        return _regular_file(p, "give the private key file itself, or '-' for standard input")

    @field_validator("known_hosts")
    @classmethod
    def _known_hosts(cls, v: str | None) -> str | None:
        # Checked before any connection: a FIFO would block the open, /dev/zero never ends.
        if v is None:
            return v
        p = Path(v).expanduser()
        if (not p.exists() and not p.is_symlink()) or is_dev_null(p):
            return str(p)  # no keys trusted yet (--accept-new creates the file); /dev/null: none
        return _regular_file(p, "give the known_hosts file itself (or /dev/null to trust none)")

    @property
    def is_ip_literal(self) -> bool:
        try:
            ipaddress.ip_address(self.host)
            return True
        except ValueError:
            return False

    @property
    def has_key(self) -> bool:
        return self.key_path is not None or self.key_content is not None

    def public_dict(self) -> dict[str, Any]:
        """The settings for reports: secrets replaced by whether they were given."""
        out = self.model_dump(exclude={"password", "key_content", "passphrase"})
        out["password"] = "set" if self.password else None
        out["key_content"] = "set" if self.key_content else None
        out["passphrase"] = "set" if self.passphrase else None
        return out


def settings_error(exc: ValidationError) -> SettingsError:
    """The first pydantic error as a SettingsError naming the field (by its CLI name)."""
    return validation.settings_error(exc, SftpSettings)


def build_settings(**values: Any) -> SftpSettings:
    """Validate settings, turning pydantic's error into one SettingsError naming the field."""
    return validation.build(SftpSettings, values)


def redacted_url(settings: SftpSettings) -> str:
    """The URL form of the settings, never with a password."""
    host = f"[{settings.host.replace('%', '%25')}]" if ":" in settings.host else settings.host
    port = "" if settings.port == 22 else f":{settings.port}"
    folder = settings.folder
    path = ("/" + folder) if folder.startswith("/") else (f"/{folder}" if folder else "")
    return f"sftp://{settings.user}@{host}{port}{path}"


def _regular_file(p: Path, fix: str) -> str:
    """``p`` as a string if it is a regular file; ValueError (for the field validator) if not."""
    try:
        check_regular(p, "file", fix=fix)
    except UserFileError as exc:
        raise ValueError(exc.message) from None
    return str(p)


def read_secret_file(path: str, field: str, limit: int = KEY_LIMIT) -> SecretStr:
    """Read a small secret file (e.g. a key) with a size cap; errors name the field."""
    try:
        data = read_user_file(path, field, limit=limit, what="a key")
    except UserFileError as exc:
        raise SettingsError(field, exc.message) from None
    return SecretStr(data.decode("utf-8", errors="replace"))
