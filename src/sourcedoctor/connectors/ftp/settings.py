"""FTP/FTPS connection settings: the pydantic model, ``ftp://`` URL parsing, derived facts.

Three URL schemes, one model: ``ftp://`` (plain), ``ftps://`` (explicit TLS: the control
connection starts plain and is upgraded with ``AUTH TLS``, port 21) and ``ftps+implicit://``
(TLS from the first byte, port 990). Field aliases are the platform's names (``host``,
``userName``, ``password``, ``port``, ``folderPath``). The password is a SecretStr and only ever
comes from ``--password-env VAR`` / ``--password-stdin`` (never argv, never the report).

Only the standard library and pydantic are imported here: parsing a URL must not load ftplib.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, field_validator

from ...config.fields import (
    HOST_CHARS,
    CaBundle,
    HostFacts,
    OptionalPort,
    PositiveInt,
    Resolver,
    check_host_name,
    cli,
    has_control,
    is_ip,
)
from ...config.urls import SettingsError, folder_of_path
from ...config.validation import build

#: scheme → TLS mode.
SCHEMES: dict[str, str] = {"ftp": "none", "ftps": "explicit", "ftps+implicit": "implicit"}
DEFAULT_PORT = {"none": 21, "explicit": 21, "implicit": 990}



class FtpSettings(HostFacts, BaseModel):
    """Everything needed to reach an FTP or FTPS server and read one folder."""

    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="forbid")

    host: str = Field(description="Server name or IP address, without scheme, user or path.",
                      json_schema_extra=cli("--host"))
    tls_mode: Literal["none", "explicit", "implicit"] = Field(
        "none", description="none (ftp://), explicit (ftps://: AUTH TLS on port 21) or implicit "
                            "(ftps+implicit://: TLS from the first byte, port 990).",
        json_schema_extra={**cli("--tls-mode"), "essential": True})
    port_number: OptionalPort = Field(
        None, alias="port", validation_alias=AliasChoices("port", "port_number"),
        description="TCP port of the control connection (default 21; 990 for implicit TLS).",
        json_schema_extra=cli("--port"))
    user: str | None = Field(
        None, alias="userName", validation_alias=AliasChoices("userName", "user", "username"),
        description="Login user name (anonymous when none is given).", json_schema_extra=cli("--user"))
    password: SecretStr | None = Field(
        None, description="Password of the user; never typed on a command line.",
        json_schema_extra=cli("--password", secret=True))
    folder: str = Field(
        "", alias="folderPath", validation_alias=AliasChoices("folderPath", "folder"),
        description="Folder to read; relative to the login directory unless it starts with '/'.",
        json_schema_extra=cli("--folder"))
    data_protection: Literal["private", "clear"] = Field(
        "private", description="FTPS data connections: private (PROT P, encrypted, the default) "
                               "or clear (PROT C).", json_schema_extra=cli("--data-protection"))
    ca_bundle: CaBundle = Field(
        None, description="PEM file of the CA(s) to trust for the server's TLS certificate.",
        json_schema_extra=cli("--ca-bundle"))
    resolver: Resolver = Field(None, description="DNS server to ask, IP[:PORT] (default: system).",
                                 json_schema_extra=cli("--resolver"))
    max_entries: PositiveInt = Field(10_000, description="Most folder entries ever listed.",
                                     json_schema_extra=cli("--max-entries"))
    sample_files: PositiveInt = Field(3, description="How many files to open and sample.",
                                      json_schema_extra=cli("--sample-files"))
    head_bytes: PositiveInt = Field(
        1 << 20, description="Bytes read from the head of each sampled file.",
        json_schema_extra=cli("--head-bytes"))
    file: str | None = Field(None, description="Sample this file (name inside the folder) only.",
                             json_schema_extra=cli("--file"))

    @field_validator("host")
    @classmethod
    def _host(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("is empty; give the server's name or IP address")
        if "://" in v:
            raise ValueError("must not contain a scheme (use 'ftp.example.com', not 'ftp://...')")
        if "/" in v or "@" in v:
            raise ValueError("must be the host only; put the user in userName and the folder in folderPath")
        if is_ip(v):
            return v
        if not HOST_CHARS.match(v):
            raise ValueError("must be a host name or IP address (letters, digits, dots, hyphens)")
        check_host_name(v)
        return v

    @field_validator("user")
    @classmethod
    def _user(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        if has_control(v) or len(v) > 256:
            raise ValueError("must be one line of at most 256 characters without control characters")
        return v.strip()

    @field_validator("password")
    @classmethod
    def _password(cls, v: SecretStr | None) -> SecretStr | None:
        # A line break would end the PASS command early and smuggle a second command in.
        if v is not None and any(c in v.get_secret_value() for c in "\r\n\0"):
            raise ValueError("must not contain line breaks or NUL characters")
        return v

    @field_validator("folder")
    @classmethod
    def _folder(cls, v: str) -> str:
        return v.strip()

    # --- derived facts (what the shared DNS/TCP/TLS layers read) -------------------------------

    @property
    def port(self) -> int:
        return self.port_number or DEFAULT_PORT[self.tls_mode]

    @property
    def tls(self) -> bool:
        """True for ftps:// and ftps+implicit://."""
        return self.tls_mode != "none"

    @property
    def login_user(self) -> str:
        return self.user or "anonymous"

    @property
    def scheme(self) -> str:
        return {v: k for k, v in SCHEMES.items()}[self.tls_mode]

    def public_dict(self) -> dict[str, Any]:
        """The settings for reports: the password replaced by whether it was given."""
        out = self.model_dump(exclude={"password", "port_number"})
        out["port"] = self.port
        out["password"] = "set" if self.password is not None else None
        return out



def parse_ftp_url(url: str) -> dict[str, Any]:
    """``ftp[s[+implicit]]://[USER[:PASS]@]HOST[:PORT][/FOLDER]`` → settings values.

    ``/in/daily`` after the host is relative to the login directory; ``//srv/in`` is absolute.
    A password in the URL is refused (it would sit in argv). A control character anywhere is
    refused, never dropped. Raises SettingsError naming the field.
    """
    from ...report.escape import first_unsafe_char

    text = url.strip()
    scheme, sep, rest = text.partition("://")
    mode = SCHEMES.get(scheme.lower())
    if not sep or mode is None:
        raise SettingsError("url", "must start with ftp://, ftps:// or ftps+implicit:// "
                                   "(e.g. ftps://user@host/folder)")
    bad = first_unsafe_char(text)
    if bad is not None or "\0" in text:
        where = bad[0] + 1 if bad else text.index("\0") + 1
        raise SettingsError("url", f"contains a control character at position {where}; remove it")
    try:
        parts = urlsplit("ftp://" + rest)
        port = parts.port
    except ValueError as exc:
        raise SettingsError("url", f"is malformed ({exc}); use ftp://user@host[:port]/folder") from None
    if parts.query or parts.fragment:
        raise SettingsError("url", "must not contain '?' or '#'; quote the folder if it has them")
    host = parts.hostname or ""
    values: dict[str, Any] = {"tls_mode": mode}
    if host:
        values["host"] = host
    if port is not None:
        values["port_number"] = port
    if parts.username:
        values["user"] = unquote(parts.username)
    if parts.password is not None:
        # argv is visible to every user of the machine and lands in shell history.
        raise SettingsError("url", "must not contain the password; give it with --password-env VAR "
                                   "or --password-stdin")
    folder = folder_of_path(parts.path)
    if folder is not None:
        values["folder"] = folder
    return values


def build_settings(**values: Any) -> FtpSettings:
    """Validate settings, turning pydantic's error into one SettingsError naming the field."""
    return build(FtpSettings, values)


def redacted_url(settings: FtpSettings) -> str:
    """The URL form of the settings, never with the password."""
    s = settings
    host = f"[{s.host}]" if ":" in s.host else s.host
    user = f"{s.user}@" if s.user else ""
    port = f":{s.port}" if s.port_number else ""
    folder = s.folder
    path = ("/" + folder) if folder and not folder.startswith("/") else ("/" + folder if folder else "")
    return f"{s.scheme}://{user}{host}{port}{path}"
