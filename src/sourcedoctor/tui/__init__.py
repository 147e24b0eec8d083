"""The Textual app. The only package that imports textual."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import BaseModel


def run_app(
    *,
    demo: bool = False,
    fault: str | None = None,
    settings: BaseModel | None = None,
    target: str = "generic",
    timeout: float = 10.0,
) -> None:
    """Open the interactive app; ``demo=True`` starts the embedded demo server (with ``fault``);
    ``settings`` (any connector's) open that connector's form, filled in."""
    from .app import SourceDoctorApp

    SourceDoctorApp(demo=demo, fault=fault, settings=settings, target=target,
                    timeout=timeout).run()
