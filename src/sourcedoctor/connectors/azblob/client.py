"""The azure-storage-blob client of one run, and what a failed request answered.

The SDK (``azure.storage.blob.aio`` over aiohttp, ~0.5 s to import) is imported here only, and
only when a run reaches the authentication layer: ``sourcedoctor check sftp://…`` and ``--help``
never load it. Every call runs under the step's timeout; the SDK's own retries are off
(``retry_total=0``: a wrong key is sent once, and a slow service gets no retry storm), and its
loggers are quietened (its HTTP logging policy would print request headers).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ..common import client_build_limit

if TYPE_CHECKING:
    from .settings import AzblobSettings

T = TypeVar("T")
#: Longest piece of a service message kept as evidence.
_FIELD_CAP = 1000
#: Azure's AuthenticationErrorDetail quotes the signature it received ("The MAC signature found
#: in the HTTP request '…'"): a request's signature is a credential for that request, never shown.
_QUOTED_SIGNATURE = re.compile(r"'[A-Za-z0-9+/=%]{16,}'")


class BlobFailure(Exception):
    """A request that got no success: the service's error code and words, or no answer at all.

    ``code`` is the ``x-ms-error-code`` (``AuthenticationFailed``, ``ContainerNotFound``…), the
    HTTP status as text when the answer had no code (not Azure: a proxy, a web server), or
    ``"connection"`` when no HTTP answer arrived."""

    def __init__(self, code: str, message: str, status: int | None = None,
                 detail: dict[str, str] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.detail = detail or {}

    def evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error_code": self.code, "http_status": self.status,
                               "message": self.message[:_FIELD_CAP]}
        if self.detail:
            out["error_fields"] = self.detail
        return out

    @property
    def is_azure_answer(self) -> bool:
        """Did a blob service answer (with an error code), rather than something else or nothing?"""
        return self.code != "connection" and not self.code.isdigit()


def failure_of(exc: BaseException) -> BlobFailure:
    """The :class:`BlobFailure` for an exception of the SDK (or of aiohttp underneath)."""
    from azure.core.exceptions import AzureError, HttpResponseError

    if isinstance(exc, HttpResponseError):
        headers: Any = getattr(exc.response, "headers", None) or {}
        raw = getattr(exc, "error_code", None)
        code = str(headers.get("x-ms-error-code") or getattr(raw, "value", raw) or exc.status_code or "")
        message = (exc.message or "").split("\n", 1)[0].strip()
        extra = getattr(exc, "additional_info", None) or {}
        detail = {str(k): _QUOTED_SIGNATURE.sub("'«signature»'", str(v))[:_FIELD_CAP]
                  for k, v in extra.items() if v}
        return BlobFailure(code or "unknown", message, exc.status_code, detail)
    if isinstance(exc, AzureError):
        first = str(exc).splitlines()[0][:300] if str(exc) else ""
        return BlobFailure("connection", f"{type(exc).__name__}: {first}")
    return BlobFailure("connection", f"{type(exc).__name__}: {str(exc)[:300]}")


def _quiet_logging() -> None:
    for name in ("azure", "azure.core.pipeline.policies.http_logging_policy", "azure.storage"):
        logging.getLogger(name).setLevel(logging.ERROR)


class BlobClient:
    """One SDK client for one container; :meth:`call` runs a request under the step timeout and
    turns every failure into :class:`BlobFailure` (a timeout stays a TimeoutError)."""

    def __init__(self, service: Any, container: Any, timeout: float) -> None:
        self.service = service
        self.container = container
        self.timeout = timeout

    @classmethod
    async def create(cls, settings: AzblobSettings, timeout: float) -> BlobClient:
        """Build the client for the settings' account key or SAS (no request is sent). The SDK is
        imported in a worker thread (~0.5 s): the event loop (the TUI) keeps running meanwhile."""
        # Local work: its own limit (client_build_limit), not the requests' --timeout.
        module = await asyncio.wait_for(
            asyncio.to_thread(importlib.import_module, "azure.storage.blob.aio"),
            client_build_limit(timeout))
        BlobServiceClient = module.BlobServiceClient
        _quiet_logging()
        r = settings.resolved
        credential: Any
        if r.method == "account_key":
            credential = {"account_name": r.account, "account_key": r.account_key}
        elif r.method == "sas" and r.sas is not None:
            credential = r.sas.token
        else:  # checked by the auth layer before: only keys and SAS tokens are exercised
            raise ValueError(f"no usable credential for {r.method}")
        kwargs: dict[str, Any] = {"retry_total": 0, "connection_timeout": timeout,
                                  "read_timeout": timeout, "logging_enable": False}
        if settings.ca_bundle:
            kwargs["connection_verify"] = settings.ca_bundle
        service = BlobServiceClient(r.endpoint or "", credential=credential, **kwargs)
        return cls(service, service.get_container_client(settings.container_name), timeout)

    async def close(self) -> None:
        await self.service.close()

    async def call(self, make: Callable[[], Awaitable[T]]) -> T:
        """Await one request; BlobFailure for any failure, TimeoutError past the step timeout."""
        try:
            return await asyncio.wait_for(make(), self.timeout)
        except TimeoutError:
            raise
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the SDK's and aiohttp's exceptions, classified
            raise failure_of(exc) from None

    async def pages(self, prefix: str, per_page: int) -> AsyncIterator[list[Any]]:
        """The direct children of ``prefix`` (``/`` delimiter), a page at a time."""
        paged = self.container.walk_blobs(name_starts_with=prefix or None, delimiter="/",
                                          include=["metadata"], results_per_page=per_page).by_page()
        while True:
            try:
                page = await asyncio.wait_for(paged.__anext__(), self.timeout)
                items = await asyncio.wait_for(_collect(page), self.timeout)
            except StopAsyncIteration:
                return
            except TimeoutError:
                raise
            except Exception as exc:
                raise failure_of(exc) from None
            yield items

    async def read(self, name: str, offset: int, length: int) -> bytes:
        """``length`` bytes at ``offset`` (one ranged GET; short at the end of the blob)."""
        blob = self.container.get_blob_client(name)

        async def get() -> bytes:
            stream = await blob.download_blob(offset=offset, length=length, max_concurrency=1,
                                              validate_content=False)
            data: bytes = await stream.readall()
            return data[:length]

        return await self.call(get)


async def _collect(page: Any) -> list[Any]:
    return [item async for item in page]
