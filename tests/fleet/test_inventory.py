"""The fleet file: TOML and CSV forms, secrets only by reference, one prompt per distinct label."""

from __future__ import annotations

from pathlib import Path

import pytest

from sourcedoctor.fleet.credentials import Unresolved, resolve_secrets
from sourcedoctor.fleet.inventory import InventoryError, SecretRef, load_inventory, parse_inventory

TOML = """
[defaults]
target = "aep"
password_env = "SHARED_PW"

[[connection]]
name = "acme"
url = "sftp://acme@sftp.acme.test/inbound"
max_connections = 3

[[connection]]
name = "globex"
url = "sftp://globex@sftp.globex.test/in"
key = "/keys/globex"
passphrase_prompt = "globex key"
password_env = ""
"""


def test_toml_defaults_apply_and_entries_keep_their_own() -> None:
    acme, globex = parse_inventory(TOML, "toml")
    assert acme.target == "aep" and acme.options["max_connections"] == 3
    assert acme.password == SecretRef("env", "SHARED_PW")
    # An empty value in an entry does not override the default reference.
    assert globex.password == SecretRef("env", "SHARED_PW")
    assert globex.passphrase == SecretRef("prompt", "globex key")
    assert globex.options["key"] == "/keys/globex"


def test_csv_rows_with_header() -> None:
    text = "name,url,target,password_env,timeout\nacme,sftp://a@h.test/in,aep,PW,5\n,,,,\n"
    (entry,) = parse_inventory(text, "csv")
    assert entry.name == "acme" and entry.options["timeout"] == 5.0 and entry.line == 2


@pytest.mark.parametrize(("text", "fmt", "needle"), [
    ('[[connection]]\nname="a"\nurl="sftp://u@h.test/"\npassword="hunter22"\n', "toml", "in clear"),
    ("name,url,password\na,sftp://u@h.test/,hunter22\n", "csv", "in clear"),
    ('[[connection]]\nname="a"\nurl="sftp://u:hunter22@h.test/"\n', "toml", "carries a password"),
    ('[[connection]]\nname="a"\nurl="sftp://u@h.test/"\ncolour="red"\n', "toml", "unknown key"),
    ('[[connection]]\nname="a"\nurl="sftp://u@h.test/"\n[[connection]]\nname="a"\nurl="sftp://v@h.test/"\n',
     "toml", "repeated: a"),
    ('[[connection]]\nname="a"\n', "toml", "url is missing"),
    ('[[connection]]\nname="a"\nurl="sftp://u@h.test/"\ntimeout="nan"\n', "toml", "positive number"),
    ("name,url\na,sftp://u@h.test/,extra\n", "csv", "more fields"),
    ("name,host\na,h\n", "csv", "'url' column"),
    ("[[connection\n", "toml", "not valid TOML"),
    ("", "toml", "no connection"),
    ('[[connection]]\nname="a"\nurl="sftp://u@h.test/"\npassword_keyring="nouser"\n', "toml", "service/user"),
    ('x = "\x00"', "toml", "NUL"),
])
def test_bad_files_are_one_line_errors(text: str, fmt: str, needle: str) -> None:
    with pytest.raises(InventoryError) as info:
        parse_inventory(text, fmt)
    assert needle in str(info.value)
    assert "hunter22" not in str(info.value)  # a refused secret is never echoed
    assert "\n" not in str(info.value)


def test_load_refuses_a_fifo_and_odd_names(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "fleet.toml"
    os.mkfifo(fifo)
    from sourcedoctor.userfiles import UserFileError

    with pytest.raises(UserFileError, match="FIFO"):
        load_inventory(fifo)  # never blocks: the type is checked before any open
    with pytest.raises(InventoryError, match=r"\.toml or \.csv"):
        load_inventory(tmp_path / "fleet.yaml")


def test_each_distinct_reference_is_resolved_once() -> None:
    text = "".join(
        f'[[connection]]\nname="c{i}"\nurl="sftp://u@h{i}.test/"\npassword_prompt="shared"\n'
        for i in range(40)
    ) + '[[connection]]\nname="e"\nurl="sftp://u@e.test/"\npassword_env="MISSING_VAR"\n'
    entries = parse_inventory(text, "toml")
    asked: list[str] = []

    def prompt(label: str) -> str:
        asked.append(label)
        return "s3cret-value"

    secrets = resolve_secrets(entries, prompt=prompt, environ={})
    assert asked == ["shared"]  # forty connections, one prompt
    assert secrets[SecretRef("prompt", "shared")].get_secret_value() == "s3cret-value"  # type: ignore[union-attr]
    missing = secrets[SecretRef("env", "MISSING_VAR")]
    assert isinstance(missing, Unresolved) and "MISSING_VAR" in missing
