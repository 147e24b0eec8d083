"""The shared settings layer (checks/settings.py) on any settings with a ``folder``: not only SFTP's."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sourcedoctor.checks.base import Context
from sourcedoctor.checks.settings import SettingsCheck
from sourcedoctor.model import Status
from sourcedoctor.targets import get_target


@dataclass(frozen=True)
class Plain:
    folder: str
    extra: list[str] = field(default_factory=list)


async def run(check: SettingsCheck[Any], settings: Plain) -> Any:
    return await check.run(Context(settings, None, get_target("generic")))


async def test_a_clean_folder_passes_with_the_folder_as_fact() -> None:
    outcome = await run(SettingsCheck(), Plain("in/daily"))
    assert outcome.resolved_status() is Status.PASS
    assert dict(outcome.facts) == {"folder": "in/daily"}


async def test_a_control_character_in_the_folder_is_refused_at_its_position() -> None:
    outcome = await run(SettingsCheck(), Plain("in/\u202edaily"))
    [finding] = outcome.findings
    assert finding.code == "config.invalid"
    assert finding.evidence == {"field": "folder", "position": 4}


async def test_a_connector_adds_its_rules_before_the_folder_rule_and_its_own_facts() -> None:
    from sourcedoctor.codes import make_finding

    class Own(SettingsCheck[Plain]):
        def rules(self, settings: Plain) -> list[Any]:
            return [make_finding("config.invalid", x, evidence={"field": x}) for x in settings.extra]

        def facts(self, settings: Plain) -> dict[str, Any]:
            return {"where": settings.folder or "(root)"}

    outcome = await run(Own(), Plain("a\tb", extra=["bucket"]))
    assert [f.evidence["field"] for f in outcome.findings] == ["bucket", "folder"]
    assert dict(outcome.facts) == {"where": "a\tb"}
