"""The live layers — reported as not testable offline, never faked.

DNS and TCP of NAMESPACE.servicebus.windows.net (AMQP 5671 / HTTPS 443), the SAS authorization,
the hub's partitions and the consumer group's readers need the real service; sourcedoctor's test
suite cannot run a real Event Hubs service, so these layers are not diagnosed yet. The report says
so; the docs say how to check them by hand.
"""

from __future__ import annotations

from ....checks.base import Check, Context, Outcome
from ..settings import SUFFIX, EventHubsSettings
from ..state import EventHubsState

REASON = ("not testable offline: connecting to Event Hubs (AMQP on 5671, SAS authorization, "
          "partitions, consumer group) needs the live service, which this version does not contact")


class EventHubsLiveCheck(Check[EventHubsSettings, EventHubsState]):
    """Connection, authorization, partitions, consumer group: not diagnosed offline."""

    id = "eventhubs.live"
    title = "Live service (not testable offline)"
    needs = ("eventhubs.credentials",)

    async def run(self, ctx: Context[EventHubsSettings, EventHubsState]) -> Outcome:
        ns = ctx.state.namespace
        return Outcome.not_applicable(
            REASON, check_by_hand=f"az eventhubs eventhub show --namespace-name {ns or 'NAMESPACE'} "
                                  f"--name {ctx.state.event_hub or 'HUB'} --resource-group GROUP",
            host=f"{ns}{SUFFIX}" if ns else None)
