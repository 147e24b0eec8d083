"""The fleet file: many connections in one TOML or CSV file, secrets only by reference.

TOML::

    [defaults]                      # optional, applies to every connection
    target = "aep"
    password_env = "SFTP_PASSWORD"

    [[connection]]
    name = "acme-inbound"
    url = "sftp://acme@sftp.acme.example/inbound"
    host_key_fingerprint = "SHA256:…"

A row's URL picks its connector (``sftp://``, ``ftp://``, ``s3://``, ``postgresql://``, ``kafka://``
…); its other keys are that connector's ``check`` options with underscores (``ssl_mode``,
``endpoint_url``; see :mod:`.options`). ``[defaults]`` keys apply to the rows whose connector has
them.

CSV: a header row naming the same keys (``name,url,target,password_env,key,…``), one connection a
row; an empty cell is "not set".

A secret is never written in the file: ``<secret>_env`` names an environment variable
(``password_env``, ``secret_access_key_env``, ``connection_string_env``), ``<secret>_keyring`` a
keyring entry (``service/user``), and ``<secret>_prompt`` asks once on the terminal — once per
distinct label, so forty connections that share one password prompt once. A literal secret key
(``password = "…"``), a password inside the URL or a secret in its query is refused with the
entry's name.
"""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .options import keys_for

#: Keys that would hold a secret in clear, whatever the connector: refused (with each connector's
#: own secret options, see :mod:`.options`).
LITERAL_SECRET_KEYS = frozenset({
    "password", "passphrase", "pass_phrase", "privatekeycontent", "key_content", "secret", "token",
})
#: A fleet file bigger than this is refused (thousands of connections fit in far less).
MAX_INVENTORY_BYTES = 8 * 1024 * 1024
MAX_CONNECTIONS = 10_000


class InventoryError(ValueError):
    """The fleet file is malformed; the message names the entry and the field."""


@dataclass(frozen=True)
class SecretRef:
    """Where one secret comes from: ``env`` (a variable), ``keyring`` (service/user) or ``prompt``."""

    kind: str
    ref: str

    def describe(self) -> str:
        return {"env": f"environment variable {self.ref}", "keyring": f"keyring entry {self.ref}",
                "prompt": f"prompt '{self.ref}'"}[self.kind]


@dataclass(frozen=True)
class FleetEntry:
    """One connection of the fleet: its name, URL, connector, plain options and secret references.

    ``options`` holds the row's plain keys as written (``ssl_mode``, ``key``, ``target``);
    ``secrets`` maps each secret's key stem (``password``, ``secret_access_key``) to its reference.
    """

    name: str
    url: str
    options: Mapping[str, Any] = field(default_factory=dict)
    secrets: Mapping[str, SecretRef] = field(default_factory=dict)
    connector: str = "sftp"
    line: int = 0

    @property
    def target(self) -> str:
        return str(self.options.get("target", "generic"))

    @property
    def password(self) -> SecretRef | None:
        return self.secrets.get("password")

    @property
    def passphrase(self) -> SecretRef | None:
        return self.secrets.get("passphrase")


def _secret_ref(entry: Mapping[str, Any], what: str, where: str, default_label: str) -> SecretRef | None:
    refs = [(k, entry[k]) for k in (f"{what}_env", f"{what}_keyring", f"{what}_prompt") if k in entry]
    if len(refs) > 1:
        raise InventoryError(f"{where}: give one of {', '.join(k for k, _ in refs)}, not several")
    if not refs:
        return None
    key, value = refs[0]
    kind = key.rsplit("_", 1)[1]
    if kind == "prompt":
        if value is False or value in ("", "false", "no", "0"):
            return None
        label = default_label if value is True or value in ("true", "yes", "1") else str(value)
        return SecretRef("prompt", label)
    if not isinstance(value, str) or not value.strip():
        raise InventoryError(f"{where}: {key} must name a {'variable' if kind == 'env' else 'service/user'}")
    if kind == "keyring" and "/" not in value:
        raise InventoryError(f"{where}: {key} must be 'service/user', got {value!r}")
    return SecretRef(kind, value.strip())


def _connector_of(url: str, where: str) -> str:
    """The name of the connector that owns ``url`` (an unknown scheme is the file's error)."""
    from .. import connectors

    try:
        return connectors.for_url(url).name
    except connectors.UnknownConnector as exc:
        raise InventoryError(f"{where}: {exc}") from None


def _entry(raw: Mapping[str, Any], defaults: Mapping[str, Any], index: int, line: int,
           used_defaults: set[str] | None = None) -> FleetEntry:
    own = {str(k).lower(): v for k, v in raw.items() if v not in (None, "")}
    name = str(own.get("name") or f"connection-{index}")
    where = f"connection {name!r}" + (f" (line {line})" if line else "")
    literal = sorted(k for k in own if k in LITERAL_SECRET_KEYS)
    url = own.get("url")
    if not isinstance(url, str) or not url.strip():
        if literal:
            _refuse_literal(literal, where)
        raise InventoryError(f"{where}: url is missing")
    url = url.strip()
    keys = keys_for(_connector_of(url, where))
    literal = sorted(k for k in own if k in LITERAL_SECRET_KEYS or k in keys.secrets)
    if literal:
        _refuse_literal(literal, where)
    known = keys.known()
    unknown = sorted(k for k in own if k not in known)
    if unknown:
        raise InventoryError(f"{where}: unknown key(s) {', '.join(unknown)} for a {keys.connector} "
                             f"connection; known: {', '.join(sorted(known))}")
    # [defaults] apply where they mean something for this row's connector (a file may mix
    # connectors); a default no row could use is reported once the whole file is read.
    applicable = {str(k).lower(): v for k, v in defaults.items() if str(k).lower() in known}
    if used_defaults is not None:
        used_defaults.update(applicable)
    merged = {**applicable, **own}
    _reject_url_secrets(url, where, keys.secrets)
    options = {k: v for k, v in merged.items() if k not in ("name", "url") and k not in keys.ref_keys()}
    if "timeout" in options:
        options["timeout"] = _number(options["timeout"], float, where, "timeout")
    for key in ("max_connections", "max_entries"):
        if key in options and keys.connector == "sftp":
            options[key] = _number(options[key], int, where, key)
    host_label = url.split("://", 1)[-1].split("/", 1)[0]
    secrets: dict[str, SecretRef] = {}
    for stem in keys.secrets:
        label = (f"passphrase for {merged.get('key', 'the key')}" if stem == "passphrase"
                 else f"{stem.replace('_', ' ')} for {host_label}")
        ref = _secret_ref(merged, stem, where, label)
        if ref is not None:
            secrets[stem] = ref
    return FleetEntry(name=name, url=url, options=options, secrets=secrets,
                      connector=keys.connector, line=line)


def _refuse_literal(literal: list[str], where: str) -> None:
    raise InventoryError(f"{where}: {', '.join(literal)} in the file would store a secret in clear; "
                         f"use {literal[0]}_env = \"VAR\", {literal[0]}_keyring or {literal[0]}_prompt")


def _number(value: Any, kind: type, where: str, key: str) -> Any:
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise InventoryError(f"{where}: {key} must be a number, got {value!r}") from None
    if number != number or number <= 0:  # NaN or not positive
        raise InventoryError(f"{where}: {key} must be a positive number, got {value!r}")
    return number


def _reject_url_secrets(url: str, where: str, secret_keys: Mapping[str, Any]) -> None:
    """A password in the URL's user part, or a secret in its query (``?password=``), is refused."""
    authority = url.split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0]
    userinfo = authority.rpartition("@")[0]
    if ":" in userinfo:
        raise InventoryError(f"{where}: the url carries a password; use password_env = \"VAR\" instead")
    query = url.partition("?")[2].split("#", 1)[0]
    for pair in query.split("&") if query else ():
        key = pair.partition("=")[0].strip().lower().replace("-", "_")
        if key in LITERAL_SECRET_KEYS or key in secret_keys or key in ("sig", "pwd"):
            raise InventoryError(f"{where}: the url's query carries a secret ({key}=); "
                                 f"use {key}_env = \"VAR\" instead")


def parse_toml(text: str) -> list[FleetEntry]:
    """Entries of a TOML fleet file (``[defaults]`` plus ``[[connection]]`` tables)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InventoryError(f"not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"defaults", "connection"})
    if unknown:
        raise InventoryError(f"unknown top-level table(s) {', '.join(unknown)}; use [defaults] and "
                             "[[connection]]")
    defaults = data.get("defaults", {})
    rows = data.get("connection", [])
    if not isinstance(defaults, dict) or not isinstance(rows, list):
        raise InventoryError("[defaults] must be a table and [[connection]] an array of tables")
    if "name" in defaults or "url" in defaults:
        raise InventoryError("[defaults] cannot set name or url")
    literal = sorted(k for k in defaults if str(k).lower() in LITERAL_SECRET_KEYS)
    if literal:
        _refuse_literal(literal, "[defaults]")
    used: set[str] = set()
    entries = _checked([_entry(r, defaults, i + 1, 0, used) for i, r in enumerate(rows)
                        if isinstance(r, dict)])
    unused = sorted(str(k).lower() for k in defaults if str(k).lower() not in used)
    if unused:
        raise InventoryError(f"[defaults]: {', '.join(unused)} is not a key of any connection's "
                             "connector in this file")
    return entries


def parse_csv(text: str) -> list[FleetEntry]:
    """Entries of a CSV fleet file whose header names the keys."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "url" not in [f.strip().lower() for f in reader.fieldnames]:
        raise InventoryError("the CSV header must name a 'url' column (and optionally name, target, …)")
    entries = []
    for index, row in enumerate(reader, start=1):
        if None in row:
            raise InventoryError(f"line {reader.line_num}: more fields than the header names")
        clean = {k.strip().lower(): (v.strip() if isinstance(v, str) else v) for k, v in row.items() if k}
        if not any(clean.values()):
            continue
        entries.append(_entry(clean, {}, index, reader.line_num))
    return _checked(entries)


def _checked(entries: list[FleetEntry]) -> list[FleetEntry]:
    if not entries:
        raise InventoryError("the file lists no connection")
    if len(entries) > MAX_CONNECTIONS:
        raise InventoryError(f"{len(entries)} connections; at most {MAX_CONNECTIONS} per file")
    seen: dict[str, int] = {}
    for entry in entries:
        seen[entry.name] = seen.get(entry.name, 0) + 1
    twice = sorted(n for n, c in seen.items() if c > 1)
    if twice:
        raise InventoryError(f"connection names must be unique; repeated: {', '.join(twice)}")
    return entries


def parse_inventory(text: str, fmt: str) -> list[FleetEntry]:
    """Parse ``text`` as ``toml`` or ``csv``."""
    if "\x00" in text:
        raise InventoryError("the file contains NUL bytes; it is not a TOML or CSV text file")
    return parse_toml(text) if fmt == "toml" else parse_csv(text)


def format_of(path: Path) -> str:
    """``toml`` or ``csv`` from the file name (anything else is refused)."""
    suffix = path.suffix.lower()
    if suffix in (".toml", ".csv"):
        return suffix[1:]
    raise InventoryError(f"{path.name}: name the file .toml or .csv so its format is clear")


def load_inventory(path: Path) -> list[FleetEntry]:
    """Read and parse a fleet file (bounded read; regular files only)."""
    fmt = format_of(path)
    from ..userfiles import read_user_file

    raw = read_user_file(path, "FILE", limit=MAX_INVENTORY_BYTES, what="a fleet file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InventoryError(f"{path.name} is not UTF-8 text; save it as UTF-8") from None
    return parse_inventory(text, fmt)
