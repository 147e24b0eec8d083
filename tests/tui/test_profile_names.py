"""The name Save profile (^S) offers is one the profile store accepts, for every connector's URL
(a Kinesis ``?region=``, a Kafka ``host:port/topic``, a database DSN …)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sourcedoctor.connectors import get
from sourcedoctor.tui.app import SourceDoctorApp
from sourcedoctor.tui.connectors import redacted_url
from sourcedoctor.tui.profiles import ProfileStore, suggested_profile_name
from sourcedoctor.tui.screens.profile_name import ProfileNameScreen
from sourcedoctor.tui.screens.setup import SetupScreen

from .conftest import MemoryKeyring, wait_until

URLS = [
    ("kinesis", "kinesis://clicks?region=us-east-1", "clicks-region-us-east-1"),
    ("kafka", "kafka://127.0.0.1:19092/ordrs", "127.0.0.1-19092-ordrs"),
    ("kafka", "kafka://[::1]:9092,b2:9093/t", None),
    ("s3", "s3://data/in", "data-in"),
    ("sftp", "sftp://bob@files.example.com/in", "bob@files.example.com"),
    ("postgres", "postgresql://u@db.example.com:5432/app?table=public.orders", None),
]


@pytest.mark.parametrize(("connector", "url", "expected"), URLS)
def test_suggested_name_is_always_accepted(connector: str, url: str, expected: str | None,
                                           tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    settings = get(connector).settings(url)
    name = suggested_profile_name(settings, redacted_url(settings))  # type: ignore[arg-type]
    if expected is not None:
        assert name == expected
    ProfileStore(tmp_path / "profiles.json").save(name, settings, "generic", 0.0,  # type: ignore[arg-type]
                                                  connector=connector)


def test_nothing_usable_left_is_profile() -> None:
    settings = get("s3").settings("s3://data/in")
    assert suggested_profile_name(settings, "x://???") == "profile"  # type: ignore[arg-type]
    assert len(suggested_profile_name(settings, "s3://" + "b" * 200)) == 64  # type: ignore[arg-type]


async def test_ctrl_s_saves_the_offered_name_as_it_is(profiles: ProfileStore,
                                                      memory_keyring: MemoryKeyring) -> None:
    settings = get("kinesis").settings("kinesis://clicks?region=us-east-1")
    app = SourceDoctorApp(profiles=profiles, settings=settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen))
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ProfileNameScreen))
        await pilot.press("enter")  # the offered name, unchanged
        await wait_until(pilot, lambda: profiles.path.exists(), what="the profile file")
    assert profiles.names() == ["clicks-region-us-east-1"]
