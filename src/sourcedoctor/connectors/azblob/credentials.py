"""Connection strings and SAS tokens, parsed before any request — pure functions, no SDK.

What the platform is given (``connectionString``, ``sasUri``) is read here into plain facts and a
list of :class:`Problem` s, each naming the key or SAS field at fault. No value of a secret ever
enters a problem: only key *names*, lengths, positions and the SAS's non-secret fields (``sv``,
``sp``, ``se``, …; never ``sig``).

The rules are the Azure Storage service's (docs: "Configure Azure Storage connection strings",
"Create a service SAS", "Create an account SAS"):

- a connection string is ``Key=Value`` pairs separated by ``;``, keys case-insensitive; it needs
  the account (``AccountName`` or a ``BlobEndpoint``) and a credential (``AccountKey`` or
  ``SharedAccessSignature``); any other key is refused by the platform's parser;
- an account key is base64 of 64 bytes (88 characters);
- a SAS is ``sv`` (version), ``sig`` (signature), ``sp`` (permissions) and ``se`` (expiry) — the
  last two may live in a stored access policy named by ``si`` —, ``st`` (start), ``spr``
  (protocols), ``sip`` (allowed IPs), ``sr`` (resource: ``c`` container, ``b`` blob, ``d``
  directory) for a service SAS, ``ss``/``srt`` (services, resource types) for an account SAS.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import difflib
import ipaddress
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from ...config.pasted import paste_slip

#: Anything longer is not a credential someone pasted (bounded work, bounded evidence).
MAX_SECRET_CHARS = 16 * 1024
#: Problems reported for one pasted value before the rest is summed up in one.
MAX_PROBLEMS = 5
#: The keys an Azure Storage connection string may hold (canonical spelling).
KNOWN_KEYS = (
    "DefaultEndpointsProtocol", "AccountName", "AccountKey", "EndpointSuffix", "BlobEndpoint",
    "QueueEndpoint", "TableEndpoint", "FileEndpoint", "BlobSecondaryEndpoint",
    "QueueSecondaryEndpoint", "TableSecondaryEndpoint", "FileSecondaryEndpoint",
    "SharedAccessSignature", "UseDevelopmentStorage", "DevelopmentStorageProxyUri",
)
_CANONICAL = {k.lower(): k for k in KNOWN_KEYS}
_KEY_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,39}$")
#: Azurite's well-known development endpoint (what UseDevelopmentStorage=true means).
DEV_ENDPOINT = "http://127.0.0.1:10000/devstoreaccount1"
DEV_ACCOUNT = "devstoreaccount1"
#: Its published key (Microsoft's documentation and Azurite's README print it; not a secret).
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
#: The SAS permissions the platform needs: read blobs and list the container.
NEEDED_PERMISSIONS = "rl"
_PERMISSION_NAMES = {"r": "read", "l": "list"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a credential, found without a request.

    ``code`` is a catalogue code, ``field`` the settings field at fault, ``evidence`` plain facts
    (never a secret value), ``values`` fills the code's fix template; ``severity`` (a Severity
    name) overrides the catalogue's default when set."""

    code: str
    field: str
    summary: str
    evidence: dict[str, Any] = dataclasses.field(default_factory=dict)
    values: dict[str, Any] = dataclasses.field(default_factory=dict)
    severity: str | None = None
    #: Replaces the code's fix template when the problem has a more exact one (a pasted slip).
    fix: tuple[str, ...] | None = None


def slip_problem(text: str, code: str, field_name: str, what: str) -> Problem | None:
    """The shared pasted-value rule (quotes, a line break, spaces at the ends:
    :mod:`sourcedoctor.config.pasted`) as this connector's problem, with its own fix."""
    slip = paste_slip(text, what)
    if slip is None:
        return None
    return Problem(code, field_name, f"{what} {slip.problem}",
                   {"field": field_name, "pasted": slip.kind, "key": "(whole value)"},
                   values={"key": "(whole value)"}, fix=(slip.fix,))


def text_problem(value: str, field_name: str, what: str) -> str | None:
    """Why ``value`` cannot be a pasted credential at all (length, NUL/control characters), or None."""
    if len(value) > MAX_SECRET_CHARS:
        return f"{what} is {len(value):,} characters long; a real one is well under {MAX_SECRET_CHARS:,}"
    for pos, ch in enumerate(value):
        if ord(ch) < 32 or ord(ch) == 127:
            return f"{what} contains the control character U+{ord(ch):04X} at position {pos + 1}"
    return None


# --- account keys ---------------------------------------------------------------------------------


def account_key_problem(key: str, field_name: str) -> Problem | None:
    """``blob.account_key_invalid`` for a key that is not base64 (FAIL) or not 64 bytes (WARN)."""
    stripped = key.strip()
    bad = next((i for i, c in enumerate(stripped) if not (c.isalnum() or c in "+/=")), None)
    evidence: dict[str, Any] = {"field": field_name, "length": len(stripped)}
    if bad is not None or not stripped:
        evidence["first_bad_position"] = None if bad is None else bad + 1
        where = (f" (a character outside A-Z a-z 0-9 + / = at position {bad + 1})"
                 if bad is not None else " (empty)")
        return Problem("blob.account_key_invalid", field_name, "AccountKey is not base64" + where,
                       evidence)
    try:
        raw = base64.b64decode(stripped, validate=True)
    except (binascii.Error, ValueError):
        return Problem("blob.account_key_invalid", field_name,
                       f"AccountKey is not valid base64 ({len(stripped)} characters; padding or length "
                       "is wrong — truncated when copied?)", evidence)
    if len(raw) != 64:
        evidence["decoded_bytes"] = len(raw)
        return Problem("blob.account_key_invalid", field_name,
                       f"AccountKey decodes to {len(raw)} bytes; Azure account keys are 64 bytes "
                       "(88 base64 characters)", evidence, severity="WARN")
    return None


# --- connection strings ---------------------------------------------------------------------------


@dataclass
class ConnectionString:
    """A parsed connection string: canonical key → value, and what is wrong with it."""

    values: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.values.get(key, default)

    @property
    def development(self) -> bool:
        """``UseDevelopmentStorage=true``: the local emulator's well-known account."""
        return self.values.get("UseDevelopmentStorage", "").lower() == "true"


def _invalid(summary: str, **evidence: Any) -> Problem:
    return Problem("blob.connection_string_invalid", "connection_string", summary,
                   {"field": "connection_string", **evidence}, values=dict(evidence))


def parse_connection_string(text: str) -> ConnectionString:
    """Parse ``text`` (see the module docstring); never raises, never keeps a value in a problem."""
    out = ConnectionString()
    slip = slip_problem(text, "blob.connection_string_invalid", "connection_string",
                        "connectionString")
    if slip is not None and len(text) <= MAX_SECRET_CHARS:
        out.problems.append(slip)
        return out
    why = text_problem(text, "connection_string", "connectionString")
    if why:
        out.problems.append(_invalid(why, key="(whole value)"))
        return out
    stripped = text.strip()
    if not stripped:
        out.problems.append(_invalid("connectionString is empty", key="(whole value)"))
        return out
    if stripped.lower().startswith(("https://", "http://")):
        out.problems.append(_invalid(
            "connectionString holds a URL, not Key=Value pairs: a SAS URI goes in sasUri",
            key="(whole value)"))
        return out
    segments = stripped.split(";")
    for n, segment in enumerate(segments, 1):
        if not segment.strip():
            continue
        if len(out.problems) >= MAX_PROBLEMS:  # a pasted blob of garbage: say so once, bounded
            out.problems.append(_invalid(f"connectionString has more malformed segments after "
                                         f"segment {n - 1} (of {len(segments)})", key=f"(segment {n})"))
            break
        name, sep, value = segment.partition("=")
        name = name.strip()
        if not sep or not name:
            out.problems.append(_invalid(
                f"segment {n} of connectionString is not Key=Value ({len(segment)} characters, no "
                "key name); segments are separated by ';'", key=f"(segment {n})"))
            continue
        canonical = _CANONICAL.get(name.lower())
        if canonical is None:
            shown = name if _KEY_NAME.match(name) else f"(segment {n})"
            close = difflib.get_close_matches(name.lower(), list(_CANONICAL), n=1, cutoff=0.75)
            hint = f"; did you mean {_CANONICAL[close[0]]}?" if close else ""
            out.problems.append(_invalid(
                f"connectionString has the unknown key {shown}{hint}", key=shown, kind="unknown_key",
                known=", ".join(KNOWN_KEYS[:5]) + ", …",
                suggestion=_CANONICAL[close[0]] if close else None))
            continue
        if canonical in out.values:
            out.problems.append(_invalid(f"connectionString gives {canonical} twice", key=canonical))
            continue
        out.values[canonical] = value.strip()
    _required(out)
    return out


def _required(cs: ConnectionString) -> None:
    """Missing or malformed required keys (only when the string itself parsed)."""
    if any(p.evidence.get("kind") != "unknown_key" for p in cs.problems):
        return  # a malformed segment: judging what is missing would guess
    v = cs.values
    dev = v.get("UseDevelopmentStorage", "").lower()
    if dev:
        if dev != "true":
            cs.problems.append(_invalid("UseDevelopmentStorage must be true (or left out)",
                                        key="UseDevelopmentStorage"))
        return
    proto = v.get("DefaultEndpointsProtocol")
    if proto is not None and proto.lower() not in ("http", "https"):
        cs.problems.append(_invalid("DefaultEndpointsProtocol must be https (or http)",
                                    key="DefaultEndpointsProtocol"))
    for key in ("BlobEndpoint",):
        if key in v:
            parts = urlsplit(v[key])
            if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
                cs.problems.append(_invalid(f"{key} is not an http(s) URL", key=key))
    if "AccountName" not in v and "BlobEndpoint" not in v:
        cs.problems.append(_invalid("connectionString names no account: AccountName (or "
                                    "BlobEndpoint) is missing", key="AccountName"))
    if "AccountKey" not in v and "SharedAccessSignature" not in v:
        cs.problems.append(_invalid("connectionString has no credential: AccountKey (or "
                                    "SharedAccessSignature) is missing", key="AccountKey"))
    elif "AccountKey" in v and "AccountName" not in v:
        cs.problems.append(_invalid("AccountKey needs AccountName: the key signs requests for a "
                                    "named account", key="AccountName"))
    if "AccountKey" in v and "SharedAccessSignature" in v:
        cs.problems.append(_invalid("connectionString gives both AccountKey and "
                                    "SharedAccessSignature; keep one", key="SharedAccessSignature"))


def connection_string_endpoint(cs: ConnectionString) -> str | None:
    """The blob service endpoint a connection string names (as the SDKs derive it)."""
    v = cs.values
    if v.get("BlobEndpoint"):
        return v["BlobEndpoint"].rstrip("/")
    if v.get("UseDevelopmentStorage", "").lower() == "true":
        proxy = v.get("DevelopmentStorageProxyUri")
        return f"{proxy.rstrip('/')}/{DEV_ACCOUNT}" if proxy else DEV_ENDPOINT
    account = v.get("AccountName")
    if not account:
        return None
    proto = (v.get("DefaultEndpointsProtocol") or "https").lower()
    suffix = v.get("EndpointSuffix") or "core.windows.net"
    return f"{proto}://{account}.blob.{suffix.strip('.')}"


# --- SAS ------------------------------------------------------------------------------------------


@dataclass
class Sas:
    """A parsed SAS token: its fields (``sig`` kept apart), when it is valid, what is wrong."""

    fields: dict[str, str] = field(default_factory=dict)
    signature: str = ""
    token: str = ""
    start: datetime | None = None
    expiry: datetime | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """``account`` (ss/srt), ``container`` (sr=c), ``blob``, ``directory`` or ``unknown``."""
        if "ss" in self.fields or "srt" in self.fields:
            return "account"
        return {"c": "container", "b": "blob", "bs": "blob snapshot", "bv": "blob version",
                "d": "directory"}.get(self.fields.get("sr", ""), "unknown")

    def public(self) -> dict[str, str]:
        """The non-secret fields, for evidence (``sig`` and user-delegation key ids left out)."""
        return {k: v for k, v in self.fields.items()
                if k in ("sv", "sr", "sp", "st", "se", "spr", "sip", "ss", "srt", "si", "sdd")}


#: SAS time formats the service accepts (ISO 8601 UTC, date only, fractional seconds).
_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,7})?)?Z)?$")


def parse_sas_time(value: str) -> datetime | None:
    m = _TIME.match(value)
    if not m:
        return None
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    try:
        return datetime(y, mo, d, h, mi, s, tzinfo=UTC)
    except ValueError:
        return None


def _sas_problem(code: str, field_name: str, summary: str, sas: Sas, severity: str | None = None,
                 **values: Any) -> Problem:
    return Problem(code, field_name, summary, {"field": field_name, "sas": sas.public(), **values},
                   values=values, severity=severity)


def parse_sas_token(token: str, field_name: str, *, endpoint_scheme: str | None,
                    now: datetime | None = None) -> Sas:
    """Parse a SAS query string (with or without its leading ``?``) and judge it as the platform
    will use it: list a container and read its blobs, over https."""
    sas = Sas(token=token.lstrip("?"))
    pairs = parse_qsl(sas.token, keep_blank_values=True)
    seen: set[str] = set()
    repeated: set[str] = set()
    for key, value in pairs:
        key = key.strip().lower()
        if key in seen and key not in repeated:
            repeated.add(key)
            sas.problems.append(_sas_problem("blob.sas_invalid", field_name,
                                             f"the SAS gives {key} twice", sas, parameter=key))
        seen.add(key)
        if key == "sig":
            sas.signature = value
        else:
            sas.fields[key] = value
    missing = [k for k in ("sv", "sig") if k not in seen]
    if "si" not in seen:
        missing += [k for k in ("sp", "se") if k not in seen]
    if missing:
        sas.problems.append(_sas_problem(
            "blob.sas_invalid", field_name,
            f"the SAS lacks {', '.join(missing)} (a SAS carries sv, sp, se and sig at least)",
            sas, missing=", ".join(missing)))
        if "sig" in missing:
            return sas
    _times(sas, field_name, now or datetime.now(UTC))
    _permissions(sas, field_name)
    _protocol(sas, field_name, endpoint_scheme)
    _addresses(sas, field_name)
    return sas


def _times(sas: Sas, field_name: str, now: datetime) -> None:
    for key in ("st", "se"):
        raw = sas.fields.get(key)
        if raw is None:
            continue
        when = parse_sas_time(raw)
        if when is None:
            sas.problems.append(_sas_problem(
                "blob.sas_invalid", field_name, f"the SAS's {key} ({raw[:40]!r}) is not a UTC time "
                "like 2030-01-31T00:00:00Z", sas, parameter=key))
            continue
        setattr(sas, "start" if key == "st" else "expiry", when)
    if sas.expiry is not None and sas.expiry <= now:
        sas.problems.append(_sas_problem(
            "blob.sas_expired", field_name,
            f"the SAS expired at {sas.expiry.isoformat()} (se={sas.fields['se']}); it is now "
            f"{now.replace(microsecond=0).isoformat()}", sas, expiry=sas.fields["se"],
            now=now.replace(microsecond=0).isoformat()))
    if sas.start is not None and sas.start > now:
        sas.problems.append(_sas_problem(
            "blob.sas_not_yet_valid", field_name,
            f"the SAS is valid only from {sas.start.isoformat()} (st={sas.fields['st']}); it is now "
            f"{now.replace(microsecond=0).isoformat()}", sas, start=sas.fields["st"],
            now=now.replace(microsecond=0).isoformat()))


def _permissions(sas: Sas, field_name: str) -> None:
    f = sas.fields
    if sas.kind in ("blob", "blob snapshot", "blob version"):
        sas.problems.append(_sas_problem(
            "blob.sas_permissions", field_name,
            f"this is a blob SAS (sr={f.get('sr')}): it grants one blob, and the platform must list "
            "the container", sas, needed="a container SAS (sr=c) with sp=rl", missing="sr=c"))
        return
    if sas.kind == "account":
        services, types = f.get("ss", ""), f.get("srt", "")
        lacks = ["ss lacks b (the blob service)"] if "b" not in services else []
        lacks += [f"srt lacks {t} ({what})" for t, what in (("c", "container-level calls: "
                  "listing"), ("o", "object-level calls: reading blobs")) if t not in types]
        if lacks:
            sas.problems.append(_sas_problem(
                "blob.sas_permissions", field_name, f"the account SAS: {'; '.join(lacks)}", sas,
                needed="ss=b, srt=co, sp=rl", missing="; ".join(lacks)))
    if "sp" not in f:
        return  # in the stored access policy (si): the service judges it
    missing = [p for p in NEEDED_PERMISSIONS if p not in f["sp"]]
    if missing:
        named = ", ".join(f"{p} ({_PERMISSION_NAMES[p]})" for p in missing)
        sas.problems.append(_sas_problem(
            "blob.sas_permissions", field_name,
            f"the SAS's permissions sp={f['sp']} lack {named}; the platform needs r and l",
            sas, needed=NEEDED_PERMISSIONS, missing="".join(missing), sp=f["sp"]))


def _protocol(sas: Sas, field_name: str, endpoint_scheme: str | None) -> None:
    spr = sas.fields.get("spr")
    if spr is None:
        return
    allowed = {p.strip().lower() for p in spr.split(",")}
    if "https" not in allowed:
        sas.problems.append(_sas_problem(
            "blob.sas_protocol", field_name, f"the SAS allows spr={spr} only; the platform connects "
            "over https", sas, spr=spr))
    elif endpoint_scheme == "http" and "http" not in allowed:
        sas.problems.append(_sas_problem(
            "blob.sas_protocol", field_name, f"the SAS allows spr={spr} only, but the endpoint is "
            "plain http://; every request would be refused", sas, spr=spr))


def _addresses(sas: Sas, field_name: str) -> None:
    sip = sas.fields.get("sip")
    if sip is None:
        return
    try:
        first, _, last = sip.partition("-")
        low = ipaddress.IPv4Address(first.strip())
        high = ipaddress.IPv4Address(last.strip()) if last else low
    except ValueError:
        sas.problems.append(_sas_problem(
            "blob.sas_invalid", field_name, f"the SAS's sip ({sip[:40]!r}) is not an IPv4 address "
            "or range (a.b.c.d or a.b.c.d-e.f.g.h)", sas, parameter="sip"))
        return
    scope = "private" if low.is_private and high.is_private else "public"
    sas.problems.append(_sas_problem(
        "blob.sas_ip_restricted", field_name,
        f"the SAS works only from {sip} ({scope}); requests from any other address are refused",
        sas, severity="WARN", sip=sip, scope=scope))


# --- SAS URIs -------------------------------------------------------------------------------------


@dataclass
class SasUri:
    """A SAS URI split into the account endpoint, the container it names and its token."""

    endpoint: str | None = None
    account: str | None = None
    container: str | None = None
    sas: Sas | None = None
    problems: list[Problem] = field(default_factory=list)


def is_path_style(host: str) -> bool:
    """Path-style addressing (``http://HOST:PORT/ACCOUNT/…``): emulators on an IP or localhost."""
    if host in ("localhost",):
        return True
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def account_of_host(host: str) -> str | None:
    """``acct`` for ``acct.blob.core.windows.net`` (and the sovereign clouds), else None."""
    label, _, rest = host.partition(".")
    return label if rest.startswith(("blob.", "privatelink.blob.")) and label else None


def split_blob_url(url: str) -> tuple[str, str | None, list[str]]:
    """(account endpoint, account name, remaining path segments) of a blob service URL."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    segments = [unquote(s) for s in parts.path.split("/") if s]
    base = f"{parts.scheme.lower()}://{parts.netloc}"
    if is_path_style(host) and segments:
        return f"{base}/{segments[0]}", segments[0], segments[1:]
    return base, account_of_host(host), segments


def parse_sas_uri(text: str, *, now: datetime | None = None) -> SasUri:
    """Parse a pasted SAS URI (``https://ACCOUNT.blob.core.windows.net/CONTAINER?sv=…&sig=…``)."""
    out = SasUri()

    def bad(summary: str) -> SasUri:
        out.problems.append(Problem("blob.sas_invalid", "sas_uri", summary, {"field": "sas_uri"}))
        return out

    slip = slip_problem(text, "blob.sas_invalid", "sas_uri", "sasUri")
    if slip is not None and len(text) <= MAX_SECRET_CHARS:
        out.problems.append(slip)
        return out
    why = text_problem(text, "sas_uri", "sasUri")
    if why:
        return bad(why)
    stripped = text.strip()
    if not stripped:
        return bad("sasUri is empty")
    if stripped.startswith("?") or stripped.lower().startswith(("sv=", "sp=", "se=", "sig=", "st=")):
        return bad("sasUri holds only the SAS token; give the whole URI "
                   "(https://ACCOUNT.blob.core.windows.net/CONTAINER?sv=…)")
    try:
        parts = urlsplit(stripped)
        port = parts.port
    except ValueError:
        return bad("sasUri is not a URL (its host or port does not parse)")
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return bad("sasUri must start with https:// and name the storage account's host")
    if not parts.query:
        return bad("sasUri has no SAS token (nothing after '?')")
    if port is not None and not 1 <= port <= 65535:
        return bad("sasUri has a port outside 1-65535")
    endpoint, account, segments = split_blob_url(stripped.split("?", 1)[0])
    out.endpoint, out.account = endpoint, account
    out.container = segments[0] if segments else None
    out.sas = parse_sas_token(parts.query, "sas_uri", endpoint_scheme=parts.scheme.lower(), now=now)
    out.problems += out.sas.problems
    return out
