"""Layer 6 — stream: DescribeStream, as the platform asks it first.

ResourceNotFoundException names the stream with the closest names ListStreams gives (when the
keys may list); AccessDenied names the action and gives the minimal policy; a refused key or
signature is said as such. The stream's status, shards, retention and encryption are facts.
"""

from __future__ import annotations

import difflib
from typing import Any

from ....checks.base import Check, Context, Outcome
from ....codes import make_finding
from ...common import BuildsClient
from ..answers import BAD_SIGNATURE, INVALID_KEY, finding_for
from ..client import KinesisAnswer, KinesisClient
from ..settings import KinesisSettings
from ..source import KinesisRowSource
from ..state import KinesisState

#: Streams listed at most when looking for close names.
LIST_LIMIT = 100


class KinesisStreamCheck(BuildsClient, Check[KinesisSettings, KinesisState]):
    """Describe the stream: status, shards; name a missing one with close matches."""

    id = "kinesis.stream"
    title = "Stream"
    needs = ("kinesis.credentials", "tls.handshake")
    timeout_steps = 2.0  # DescribeStream, and ListStreams for close names, after the client

    async def run(self, ctx: Context[KinesisSettings, KinesisState]) -> Outcome:
        s, st = ctx.settings, ctx.state
        assert st.credentials is not None
        if st.sock is not None:  # the TCP layer's socket (plain http): botocore connects itself
            st.sock.close()
            st.sock = None
        client = await KinesisClient.create(s, st.credentials, ctx.step_timeout)
        st.client = client
        ctx.resources.callback(client.close)
        if s.stream is None:
            return await self._listed(ctx, client)
        try:
            answer = await client.call("describe_stream", StreamName=s.stream)
        except TimeoutError:
            answer = KinesisAnswer(False, code="timeout",
                                   message=f"no answer within {ctx.step_timeout:g} s")
        ctx.transcript.add("kinesis", f"DescribeStream {s.stream} → "
                                      f"{'ok' if answer.ok else answer.code}")
        if answer.ok:
            return self._described(ctx, answer.data.get("StreamDescription", {}))
        if answer.code != "ResourceNotFoundException":
            return Outcome.of([finding_for(answer, s, action="kinesis:DescribeStream",
                                           what=f"DescribeStream {s.stream}")])
        listed = await client.call("list_streams", Limit=LIST_LIMIT)
        evidence: dict[str, Any] = {"stream": s.stream, "region": s.region, **answer.evidence()}
        near: list[str] = []
        if listed.ok:
            names = [str(n) for n in listed.data.get("StreamNames", [])]
            by_lower = {n.lower(): n for n in names}
            near = list(dict.fromkeys(
                [n for n in names if n.lower() == s.stream.lower()]
                + [by_lower[x] for x in difflib.get_close_matches(s.stream.lower(), list(by_lower),
                                                                  n=5, cutoff=0.6)]))[:5]
            evidence.update(streams=names[:50], close_matches=near)
        elif listed.code in INVALID_KEY | BAD_SIGNATURE:
            pass  # cannot happen after DescribeStream answered; nothing to add
        else:
            evidence["list_streams"] = f"not allowed ({listed.code}): close names unknown"
        return Outcome.of([make_finding(
            "kinesis.stream_not_found",
            f"stream {s.stream} does not exist in {s.region}"
            + (f" (close: {', '.join(near)})" if near else ""),
            evidence=evidence, stream=s.stream, region=s.region,
            close=", ".join(near) or "(none listed)", endpoint=s.endpoint,
            endpoint_option=f" --endpoint-url {s.endpoint_url}" if s.endpoint_url else "")])

    @staticmethod
    async def _listed(ctx: Context[KinesisSettings, KinesisState], client: KinesisClient) -> Outcome:
        """No stream given: ListStreams, so preview can offer them (as Kafka lists its topics)."""
        s, st = ctx.settings, ctx.state
        try:
            listed = await client.call("list_streams", Limit=LIST_LIMIT)
        except TimeoutError:
            listed = KinesisAnswer(False, code="timeout",
                                   message=f"no answer within {ctx.step_timeout:g} s")
        ctx.transcript.add("kinesis", f"ListStreams → {'ok' if listed.ok else listed.code}")
        if not listed.ok:
            return Outcome.of([finding_for(listed, s, action="kinesis:ListStreams",
                                           what=f"ListStreams in {s.region}")])
        names = [str(n) for n in listed.data.get("StreamNames", [])]
        st.source = KinesisRowSource(client, None, [], ctx.step_timeout)
        shown = ", ".join(names[:20]) + (f" (+{len(names) - 20} more)" if len(names) > 20 else "")
        return Outcome.not_applicable(
            f"no stream given (kinesis://STREAM?region=REGION); {s.region} has {len(names)} "
            f"stream(s){' or more' if listed.data.get('HasMoreStreams') else ''}: "
            f"{shown or 'none'}", streams=names[:50], stream_count=len(names))

    @staticmethod
    def _described(ctx: Context[KinesisSettings, KinesisState], desc: dict[str, Any]) -> Outcome:
        st, s = ctx.state, ctx.settings
        st.description = desc
        shards = desc.get("Shards", [])
        # Open shards (no ending sequence number) first: closed ones hold only older records.
        ordered = sorted(shards, key=lambda sh: "EndingSequenceNumber" in sh.get("SequenceNumberRange", {}))
        st.shards = [str(sh["ShardId"]) for sh in ordered]
        st.stream = s.stream
        assert st.client is not None
        st.source = KinesisRowSource(st.client, s.stream, st.shards, ctx.step_timeout)
        return Outcome.of(
            stream=desc.get("StreamName"), arn=desc.get("StreamARN"),
            status=desc.get("StreamStatus"), shards=len(shards),
            open_shards=sum("EndingSequenceNumber" not in sh.get("SequenceNumberRange", {})
                            for sh in shards),
            more_shards=bool(desc.get("HasMoreShards")),
            retention_hours=desc.get("RetentionPeriodHours"),
            encryption=desc.get("EncryptionType", "NONE"))
