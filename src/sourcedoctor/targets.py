"""Target profiles: the rules of the platform that will really connect to the source.

A target adds checks and tightens severities; it never changes what was observed. ``generic`` is what
a modern OpenSSH client expects; ``aep`` is Adobe Experience Platform's SFTP/file source (see
docs/targets.md for where each rule comes from).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TargetProfile:
    """The rule set of one ingestion platform."""

    name: str
    description: str
    #: Does the platform connect from the public internet (so private addresses are unreachable)?
    cloud: bool = False
    #: Can the platform log in with keyboard-interactive (it only knows the plain password method)?
    keyboard_interactive: bool = True
    #: Can the platform complete a login that needs two methods (AuthenticationMethods a,b)?
    multi_step_auth: bool = True
    #: Key types accepted (OpenSSH names without the "ssh-" prefix: rsa, dss, ed25519, ecdsa, sk).
    key_types: frozenset[str] = frozenset({"rsa", "dss", "ed25519", "ecdsa", "sk-ed25519", "sk-ecdsa"})
    #: The platform stores the key base64-encoded on one line (so that form is no defect).
    key_content_base64: bool = False
    #: Key file formats accepted (openssh, pem, pkcs8, ppk, ssh2).
    key_formats: frozenset[str] = frozenset({"openssh", "pem", "pkcs8"})
    #: Does the platform read files in parallel chunks (so the chunking probe matters)?
    chunked_reads: bool = False
    #: Enforce the platform's file-naming rules?
    naming_rules: bool = False
    #: JSON must be one object per line.
    json_lines_only: bool = False
    #: Encodings accepted for delimited files (None: anything Python can decode).
    delimited_encodings: frozenset[str] | None = None
    #: Encodings accepted for every other format (None: anything).
    other_encodings: frozenset[str] | None = None
    #: Compression formats the platform can read (None: anything we can read).
    compressions: frozenset[str] | None = None
    #: Column separators must be one character.
    single_char_delimiter: bool = False
    #: The platform ingests a folder as one dataset: it reads every entry in it and needs one format
    #: and one schema across the files. Without it the connection still works and the user can
    #: point the reader at one file, so a mixed folder is a warning, not a failure.
    folder_is_one_dataset: bool = False
    #: The platform takes a delimited file's first row as its column names, so a missing, empty or
    #: duplicate header breaks the dataset's schema (a generic reader names the columns itself).
    header_row_required: bool = False
    #: A stream record's value must be a JSON object (Kafka, Kinesis): schema-registry framed,
    #: binary or plain-text values cannot be mapped to the dataset's fields.
    stream_values_json_only: bool = False
    #: Largest stream record value the platform takes, in bytes (None: no limit).
    stream_record_limit: int | None = None


GENERIC = TargetProfile(
    name="generic",
    description="Plain modern OpenSSH expectations; no platform-specific rules.",
)

AEP = TargetProfile(
    name="aep",
    description="Adobe Experience Platform SFTP/file sources.",
    cloud=True,
    keyboard_interactive=False,
    multi_step_auth=False,
    key_types=frozenset({"rsa", "dss", "ed25519"}),
    key_formats=frozenset({"openssh", "pem"}),
    key_content_base64=True,
    chunked_reads=True,
    naming_rules=True,
    json_lines_only=True,
    delimited_encodings=frozenset({"utf-8", "iso-8859-1", "ascii"}),
    other_encodings=frozenset({"utf-8", "ascii"}),
    compressions=frozenset({"bzip2", "gzip", "deflate", "zip", "tar.gz", "tar"}),
    single_char_delimiter=True,
    folder_is_one_dataset=True,
    header_row_required=True,
    stream_values_json_only=True,
    stream_record_limit=1_000_000,
)

TARGETS: dict[str, TargetProfile] = {t.name: t for t in (GENERIC, AEP)}


def get_target(name: str) -> TargetProfile:
    """Look a target up by name; raises ValueError naming the valid choices."""
    try:
        return TARGETS[name]
    except KeyError:
        raise ValueError(f"unknown target {name!r}; choose one of: {', '.join(TARGETS)}") from None
