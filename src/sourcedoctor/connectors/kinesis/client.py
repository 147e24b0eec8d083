"""The botocore Kinesis client of one run, and what one request answered.

botocore is imported here only, when a run reaches the stream layer. Calls block, so each runs in
a worker thread with the step timeout around it, and the client's own connect/read timeouts are
the same budget. Retries are off: a wrong key is sent once, a slow endpoint gets no retry storm.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..common import client_build_limit

if TYPE_CHECKING:
    from ..s3.credentials import ResolvedCredentials
    from .settings import KinesisSettings

_FIELD_CAP = 2000
#: Some endpoints (moto's server among them) answer Kinesis's JSON API with an IAM-style XML
#: error document; the code and message are inside it.
_XML_CODE = re.compile(r"<Code>([^<]{1,100})</Code>")
_XML_MESSAGE = re.compile(r"<Message>([^<]{0,2000})</Message>")


@dataclass(frozen=True)
class KinesisAnswer:
    """What one request got: the parsed response, or the service's error code and message.

    ``code`` is the error type (``ResourceNotFoundException``, ``AccessDeniedException``…), the
    HTTP status as text when there was no error document, or ``"connection"``.
    """

    ok: bool
    data: dict[str, Any] = field(default_factory=dict)
    code: str = ""
    message: str = ""
    status: int | None = None

    def evidence(self) -> dict[str, Any]:
        return {"error_code": self.code, "message": self.message[:_FIELD_CAP],
                "http_status": self.status}


def error_of(error: dict[str, Any], status: int | None) -> tuple[str, str]:
    """(code, message) of a botocore error dict, reading an XML document botocore left whole."""
    code, message = str(error.get("Code", "")), str(error.get("Message", ""))
    if (not code or code.isdigit()) and "<Code>" in message:
        found = _XML_CODE.search(message)
        said = _XML_MESSAGE.search(message)
        code = found.group(1) if found else code
        message = said.group(1) if said else message
    return code or str(status or ""), message


class KinesisClient:
    """One botocore Kinesis client; :meth:`call` runs an operation and never raises for a
    service error (TimeoutError when no answer came within the step timeout)."""

    def __init__(self, raw: Any, timeout: float) -> None:
        self.raw = raw
        self.timeout = timeout

    @classmethod
    async def create(cls, settings: KinesisSettings, creds: ResolvedCredentials,
                     timeout: float) -> KinesisClient:
        def build() -> Any:
            import botocore.session
            from botocore.config import Config

            session = botocore.session.Session()
            config = Config(connect_timeout=timeout, read_timeout=timeout,
                            retries={"total_max_attempts": 1, "mode": "standard"},
                            user_agent_extra="sourcedoctor")
            return session.create_client(
                "kinesis", region_name=settings.region, endpoint_url=settings.endpoint,
                aws_access_key_id=creds.access_key_id,
                aws_secret_access_key=creds.secret.get_secret_value(),
                aws_session_token=creds.token.get_secret_value() if creds.token else None,
                verify=settings.ca_bundle if settings.ca_bundle else True, config=config)

        raw = await asyncio.wait_for(asyncio.to_thread(build), client_build_limit(timeout))
        return cls(raw, timeout)

    def close(self) -> None:
        closer: Callable[[], None] | None = getattr(self.raw, "close", None)
        if closer is not None:
            closer()

    async def call(self, operation: str, **params: Any) -> KinesisAnswer:
        return await asyncio.wait_for(
            asyncio.to_thread(self._call_blocking, operation, params), self.timeout)

    def _call_blocking(self, operation: str, params: dict[str, Any]) -> KinesisAnswer:
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            ConnectTimeoutError,
            ReadTimeoutError,
        )

        try:
            response = getattr(self.raw, operation)(**params)
        except ClientError as exc:
            meta = exc.response.get("ResponseMetadata", {})
            status = meta.get("HTTPStatusCode")
            code, message = error_of(dict(exc.response.get("Error", {})), status)
            return KinesisAnswer(False, code=code, message=message, status=status)
        except (ConnectTimeoutError, ReadTimeoutError) as exc:
            raise TimeoutError(str(exc)) from None
        except BotoCoreError as exc:
            return KinesisAnswer(False, code="connection", message=f"{type(exc).__name__}: {exc}")
        meta = response.pop("ResponseMetadata", {})
        return KinesisAnswer(True, data=response, status=meta.get("HTTPStatusCode"))
