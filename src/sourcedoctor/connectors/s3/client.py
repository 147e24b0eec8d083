"""The botocore client of one run, and what one S3 request answered.

botocore is imported here only, and only when the S3 connector runs (``sourcedoctor check
sftp://…`` and ``--help`` never load it: ~0.4 s). Its calls block, so each runs in a worker thread
with the step timeout around it; the client's own connect/read timeouts are the same budget, so
the thread ends soon after a timeout too.

Two botocore habits are turned off because they hide the diagnosis: retries (a wrong secret would
be sent several times, and a slow server would get a retry storm) and the S3 region redirector (a
bucket in another region would silently work here and fail on the platform).
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..common import client_build_limit

if TYPE_CHECKING:
    from .credentials import ResolvedCredentials
    from .settings import S3Settings


#: Longest value of one error-document field kept as evidence.
_FIELD_CAP = 2000


@dataclass(frozen=True)
class S3Answer:
    """What one request got: the parsed response, or the server's error code and words.

    ``code`` is S3's error code (``AccessDenied``, ``NoSuchBucket``…), the HTTP status as text for
    bodiless answers (HEAD: ``"404"``), or ``"connection"`` when no HTTP answer arrived.
    """

    ok: bool
    data: dict[str, Any] = field(default_factory=dict)
    code: str = ""
    message: str = ""
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    #: Extra elements of the S3 error document (Region, ServerTime, RequestTime, Endpoint…).
    error: dict[str, Any] = field(default_factory=dict)
    #: Server clock minus ours, from the Date header (seconds), when the answer had one.
    clock_offset_s: float | None = None

    def evidence(self) -> dict[str, Any]:
        """The facts of a failed answer, for a finding's evidence."""
        out: dict[str, Any] = {"error_code": self.code, "message": self.message[:_FIELD_CAP],
                               "http_status": self.status}
        # AWS's SignatureDoesNotMatch carries the CanonicalRequest it computed (what a rewriting
        # proxy changed shows there); its byte dumps and the signature itself add nothing.
        extra = {k: str(v)[:_FIELD_CAP] for k, v in self.error.items()
                 if k not in ("Code", "Message", "SignatureProvided") and not k.endswith("Bytes")}
        if extra:
            out["error_fields"] = extra
        if "x-amz-bucket-region" in self.headers:
            out["x-amz-bucket-region"] = self.headers["x-amz-bucket-region"]
        return out


def _offset(headers: dict[str, str], sent_at: float, received_at: float) -> float | None:
    date = headers.get("date")
    if not date:
        return None
    try:
        server = email.utils.parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError):
        return None
    # The server stamped the answer somewhere between send and receive: compare with the middle.
    return round(server - (sent_at + received_at) / 2, 1)


def _no_region_redirect(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    # botocore's S3RegionRedirectorv2 skips requests already marked as redirected: mark them all,
    # so a PermanentRedirect reaches us (the platform does not follow it either).
    context.setdefault("s3_redirect", {})["redirected"] = True


class S3Client:
    """One botocore S3 client; :meth:`call` runs an operation and never raises for an S3 error."""

    def __init__(self, raw: Any, timeout: float) -> None:
        self.raw = raw
        self.timeout = timeout

    @classmethod
    async def create(cls, settings: S3Settings, creds: ResolvedCredentials, timeout: float) -> S3Client:
        """Build the client in a worker thread (loading botocore's service model takes ~0.1 s)."""
        def build() -> Any:
            import botocore.session
            from botocore.config import Config

            session = botocore.session.Session()
            config = Config(
                connect_timeout=timeout, read_timeout=timeout,
                retries={"total_max_attempts": 1, "mode": "standard"},
                s3={"addressing_style": settings.addressing},
                signature_version="s3v4", user_agent_extra="sourcedoctor",
                # Ask for checksums only where the operation needs one: GCS and older S3-compatible
                # servers refuse the newer default's extra headers.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            )
            client = session.create_client(
                "s3", region_name=settings.signing_region, endpoint_url=settings.endpoint,
                aws_access_key_id=creds.access_key_id,
                aws_secret_access_key=creds.secret.get_secret_value(),
                aws_session_token=creds.token.get_secret_value() if creds.token else None,
                verify=settings.ca_bundle if settings.ca_bundle else True, config=config)
            client.meta.events.register("before-call.s3", _no_region_redirect)
            return client

        raw = await asyncio.wait_for(asyncio.to_thread(build), client_build_limit(timeout))
        return cls(raw, timeout)

    def close(self) -> None:
        """Close the client's connection pool."""
        closer: Callable[[], None] | None = getattr(self.raw, "close", None)
        if closer is not None:
            closer()

    async def call(self, operation: str, *, read_body: int | None = None, **params: Any) -> S3Answer:
        """Run ``operation`` (botocore's snake_case name, e.g. ``list_objects_v2``) once.

        ``read_body``: read at most that many bytes of a streamed body (GetObject) into
        ``data["Body"]``. Raises TimeoutError when no answer came within the step timeout.
        """
        return await asyncio.wait_for(
            asyncio.to_thread(self._call_blocking, operation, read_body, params), self.timeout)

    def _call_blocking(self, operation: str, read_body: int | None, params: dict[str, Any]) -> S3Answer:
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            ConnectTimeoutError,
            ReadTimeoutError,
        )

        sent = time.time()
        try:
            response = getattr(self.raw, operation)(**params)
        except ClientError as exc:
            resp = exc.response
            meta = resp.get("ResponseMetadata", {})
            headers = {k.lower(): str(v) for k, v in meta.get("HTTPHeaders", {}).items()}
            error = dict(resp.get("Error", {}))
            return S3Answer(False, code=str(error.get("Code", meta.get("HTTPStatusCode", ""))),
                            message=str(error.get("Message", "")), status=meta.get("HTTPStatusCode"),
                            headers=headers, error=error,
                            clock_offset_s=_offset(headers, sent, time.time()))
        except (ConnectTimeoutError, ReadTimeoutError) as exc:
            raise TimeoutError(str(exc)) from None
        except BotoCoreError as exc:
            return S3Answer(False, code="connection", message=f"{type(exc).__name__}: {exc}")
        meta = response.pop("ResponseMetadata", {})
        headers = {k.lower(): str(v) for k, v in meta.get("HTTPHeaders", {}).items()}
        body = response.pop("Body", None)
        if body is not None:
            try:
                if read_body is not None:
                    response["Body"] = body.read(read_body)
            except (ReadTimeoutError, TimeoutError) as exc:
                raise TimeoutError(str(exc)) from None
            except BotoCoreError as exc:
                return S3Answer(False, code="connection", message=f"{type(exc).__name__}: {exc}")
            finally:
                body.close()
        return S3Answer(True, data=response, status=meta.get("HTTPStatusCode"), headers=headers,
                        clock_offset_s=_offset(headers, sent, time.time()))
