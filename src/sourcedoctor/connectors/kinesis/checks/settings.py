"""Layer 1 — settings: what will be asked where, before any network use."""

from __future__ import annotations

from ....checks.base import Check, Context, Outcome
from ..settings import KinesisSettings
from ..state import KinesisState


class KinesisSettingsCheck(Check[KinesisSettings, KinesisState]):
    """The stream, region and endpoint the run will use (the model validated each field)."""

    id = "config.settings"
    title = "Connection settings"

    async def run(self, ctx: Context[KinesisSettings, KinesisState]) -> Outcome:
        s = ctx.settings
        return Outcome.of(stream=s.stream, region=s.region, endpoint=s.endpoint,
                          endpoint_given=s.endpoint_url is not None)
