"""The live layers — reported as not testable offline, never faked.

Token exchange with oauth2.googleapis.com, the subscription's existence, the
roles/pubsub.subscriber grant and pulling messages need Google's service; sourcedoctor's test
suite has no real Pub/Sub (the emulator checks no credentials), so these are not diagnosed yet.
"""

from __future__ import annotations

from ....checks.base import Check, Context, Outcome
from ..settings import PubSubSettings
from ..state import PubSubState

REASON = ("not testable offline: the key's token exchange, the subscription, the "
          "roles/pubsub.subscriber grant and pulling messages need Google's live service, which "
          "this version does not contact")


class PubSubLiveCheck(Check[PubSubSettings, PubSubState]):
    id = "pubsub.live"
    title = "Live service (not testable offline)"
    needs = ("pubsub.credentials",)

    async def run(self, ctx: Context[PubSubSettings, PubSubState]) -> Outcome:
        sub = ctx.settings.subscription or "SUBSCRIPTION"
        return Outcome.not_applicable(
            REASON, check_by_hand=f"gcloud pubsub subscriptions describe {sub} "
                                  f"--project {ctx.state.project_id or 'PROJECT'}")
