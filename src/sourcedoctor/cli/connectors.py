"""``sourcedoctor connectors``: which connectors are installed, their URL schemes and options."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from ..exitcodes import ExitCode


@click.command("connectors")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def command(fmt: str) -> None:
    """List the installed connectors (built-in and from the sourcedoctor.connectors entry points)."""
    from .. import connectors
    from ..config.model_fields import model_options

    rows: list[dict[str, Any]] = []
    for name in connectors.names():
        try:
            connector = connectors.get(name)
        except Exception as exc:  # a broken plug-in is listed as broken, not a crash
            rows.append({"name": name, "error": f"{type(exc).__name__}: {exc}"})
            continue
        rows.append({
            "name": connector.name, "title": connector.title, "schemes": list(connector.schemes),
            "options": [o.flag + ("-env VAR / " + o.flag + "-stdin" if o.secret else "")
                        for o in model_options(connector.settings_model)],
        })
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    else:
        for row in rows:
            if "error" in row:
                sys.stdout.write(f"{row['name']}: cannot be loaded ({row['error']})\n")
                continue
            schemes = ", ".join(f"{s}://" for s in row["schemes"])
            sys.stdout.write(f"{row['name']:<10} {row['title']} ({schemes})\n")
    sys.exit(ExitCode.OK)
