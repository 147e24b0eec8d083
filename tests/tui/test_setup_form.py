"""The setup form: generated from the settings model, validated as you type, live key inspection
with keys made by ssh-keygen, profiles that never store a secret in the JSON file."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.widgets import Input

from sourcedoctor.connectors.sftp.settings import SftpSettings
from sourcedoctor.tui.app import SourceDoctorApp
from sourcedoctor.tui.profiles import ProfileStore, real_keyring
from sourcedoctor.tui.screens.setup import SetupScreen
from sourcedoctor.tui.widgets.settings_form import FormField, SettingsForm, field_specs
from tests.fixtures.keys import KeyFiles, make_key

from .conftest import MemoryKeyring, save_profile, wait_until

VALUES = {"host": "sftp.example.com", "user": "ingest", "password": "s3cret-Pa55word",
          "folder": "inbound"}


def test_fields_come_from_the_model() -> None:
    specs = {s.name: s for s in field_specs(SftpSettings)}
    # Every model field has a form field (the key path/content share one box).
    model_fields = set(SftpSettings.model_fields) - {"key_path", "key_content"}
    assert model_fields | {"key"} == set(specs)
    assert specs["user"].hint == "userName" and specs["folder"].hint == "folderPath"
    assert specs["key"].hint == "privateKeyContent"
    assert specs["password"].kind == "secret" and specs["port"].kind == "int"
    assert specs["host"].help == SftpSettings.model_fields["host"].description


async def test_validation_as_you_type(profiles: ProfileStore) -> None:
    app = SourceDoctorApp(profiles=profiles)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen))
        host_row = app.screen.query_one("#row-host", FormField)
        app.screen.query_one("#field-host", Input).focus()
        await pilot.press(*"sftp://x")
        assert host_row.query_one(".field-help").has_class("-error")
        # The error is for host only; the untouched fields say nothing yet.
        assert not app.screen.query_one("#row-user", FormField).query_one(
            ".field-help").has_class("-error")
        app.screen.query_one("#field-host", Input).value = ""
        await pilot.press(*"sftp.example.com")
        assert not host_row.query_one(".field-help").has_class("-error")
        # Diagnose with the user missing: refused, and the user field is focused.
        await pilot.press("ctrl+r")
        assert isinstance(app.screen, SetupScreen)
        assert app.focused is not None and app.focused.id == "field-user"


async def _paste(pilot: Any, text: str) -> None:
    widget = pilot.app.screen.query_one("#field-key", Input)
    widget.focus()
    widget.post_message(events.Paste(text))
    await pilot.pause()


@pytest.fixture
def encrypted_key(tmp_path: Path) -> tuple[KeyFiles, str]:
    """An ed25519 key encrypted by ssh-keygen, and ssh-keygen's own SHA256 fingerprint of it."""
    key = make_key(tmp_path, "ed25519", passphrase="correct horse")
    listed = subprocess.run(["ssh-keygen", "-lf", str(key.public)], capture_output=True,
                            text=True, check=True, timeout=30).stdout
    return key, listed.split()[1]


async def test_live_key_inspection_of_a_pasted_key(encrypted_key: tuple[KeyFiles, str],
                                                   profiles: ProfileStore) -> None:
    key, fingerprint = encrypted_key
    app = SourceDoctorApp(profiles=profiles)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen))
        screen = app.screen
        assert isinstance(screen, SetupScreen)
        await _paste(pilot, key.private.read_text())
        await wait_until(pilot, lambda: screen.key_report is not None, what="key inspection")
        assert "key.passphrase_required" in screen.key_report.codes
        # The whole multi-line key survived the single-line box.
        values = screen.query_one(SettingsForm).values()
        assert values["key_content"] == key.private.read_text().strip("\n")
        # Typing the passphrase re-inspects: now the key loads and the fingerprint shows.
        screen.query_one("#field-passphrase", Input).focus()
        await pilot.press(*"correct horse")
        # Inspections of the half-typed passphrase may land first; the last one must load the key.
        await wait_until(pilot, lambda: screen.key_report.usable, what="re-inspection")
        assert screen.key_report.fingerprint_sha256 == fingerprint


async def test_key_path_is_inspected_too(tmp_path: Path, profiles: ProfileStore) -> None:
    key = make_key(tmp_path, "rsa", bits=1024, fmt="pem")
    app = SourceDoctorApp(profiles=profiles, settings=SftpSettings(
        host="h.example.com", user="u", key_path=str(key.private)))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen))
        screen = app.screen
        assert isinstance(screen, SetupScreen)
        await wait_until(pilot, lambda: screen.key_report is not None, what="key inspection")
        assert "key.weak" in screen.key_report.codes
        assert screen.query_one(SettingsForm).values()["key_path"] == str(key.private)


@pytest.mark.usefixtures("no_keyring")
async def test_profile_without_keyring_never_stores_secrets(profiles: ProfileStore) -> None:
    assert real_keyring() is None
    await save_profile(SourceDoctorApp(profiles=profiles, settings=SftpSettings(**VALUES)),
                        "prod")
    text = profiles.path.read_text()
    assert VALUES["password"] not in text
    saved = json.loads(text)["profiles"]["prod"]
    assert saved["secrets"] == [] and saved["fields"]["host"] == VALUES["host"]
    values, target = profiles.load("prod")
    assert "password" not in values and target == "generic"


async def test_profile_secrets_go_to_the_keyring(profiles: ProfileStore,
                                                 memory_keyring: MemoryKeyring) -> None:
    await save_profile(SourceDoctorApp(profiles=profiles, settings=SftpSettings(**VALUES)),
                        "prod")
    assert VALUES["password"] not in profiles.path.read_text()
    assert memory_keyring.store == {("sourcedoctor", "prod:password"): VALUES["password"]}
    values, _ = profiles.load("prod")
    assert values["password"] == VALUES["password"]
    # Reopening the profile from Home fills the form, password included.
    app = SourceDoctorApp(profiles=profiles)
    async with app.run_test(size=(100, 30)) as pilot:
        app.action_open_profile("prod")
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen)
                         and bool(app.screen.query(SettingsForm)))
        form = app.screen.query_one(SettingsForm)
        assert form.values()["password"] == VALUES["password"]
        assert form.values()["host"] == VALUES["host"]
