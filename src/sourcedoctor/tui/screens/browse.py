"""Browse: the diagnosed folder as a lazy tree with bounded listings; Enter previews a file.

Entry names and server errors are foreign text: labels are ``Text`` objects (a ``str`` label would
be read as markup) with control characters shown by ``for_terminal``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Static, Tree
from textual.widgets.tree import TreeNode

from ...model import Finding
from ...report.escape import for_terminal as _t
from ...sources.base import FileEntry, FileSource, Listing, SourceError
from ...targets import get_target
from ..lazy_engine import engine_module
from ..messages import ConnectionTarget, FolderListed, SourceFailed, SourceOpened

#: Most entries shown per folder; the listing says how many more there were.
LISTING_LIMIT = 500


def human_size(size: int | None) -> str:
    """``812 B``, ``12.3 kB``, ``4.0 MB``."""
    if size is None:
        return "?"
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"  # pragma: no cover


def when(mtime: float | None) -> str:
    """Modification time in UTC (the server's clock; no local-zone guessing)."""
    return "?" if mtime is None else time.strftime("%Y-%m-%d %H:%M", time.gmtime(mtime))


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def flagged_names(entries: tuple[FileEntry, ...], findings: Iterable[Finding]) -> dict[str, str]:
    """{entry path: why} for every entry a naming finding mentions (by name or path)."""
    flagged: dict[str, str] = {}
    for finding in findings:
        # The engine's evidence lists {"path", "problems"} per name; say exactly what is wrong.
        for item in finding.evidence.get("names", ()) or ():
            if isinstance(item, dict) and item.get("path") and item.get("problems"):
                flagged.setdefault(str(item["path"]), "; ".join(map(str, item["problems"])))
        mentioned = set(_strings(dict(finding.evidence)))
        for entry in entries:
            if entry.path in mentioned or entry.name in mentioned:
                flagged.setdefault(entry.path, finding.summary)
    return flagged


def entry_label(entry: FileEntry, problem: str | None) -> Text:
    """One tree row: a marker word for naming problems, the name, and for files size and date."""
    mark = "! naming  " if problem else ""
    if entry.kind == "dir":
        return Text(f"{mark}{_t(entry.name)}/")
    return Text(f"{mark}{_t(entry.name)}  {human_size(entry.size)}  {when(entry.mtime)}")


@dataclass(frozen=True)
class OpenedFolder:
    """A source that is already open (a local folder, or a test's fixed data)."""

    source: FileSource
    folder: str


class BrowseScreen(Screen[None]):
    """Keeps one diagnosed connection open while it (and the preview/ingest above it) is shown."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("p", "preview", "Preview file"),
    ]

    def __init__(self, conn: ConnectionTarget | None, *, source: FileSource | None = None,
                 folder: str = "", target: str = "generic") -> None:
        """Browse ``conn``'s folder (connecting again), or an already open ``source``/``folder``."""
        super().__init__()
        self.conn = conn
        self.target = conn.target if conn is not None else target
        self.timeout = conn.timeout if conn is not None else 10.0
        self.opened: Any | None = OpenedFolder(source, folder) if source is not None else None
        self._loaded: set[str] = set()
        self._flags: dict[str, str] = {}
        self.rows: Any | None = None  # a RowBrowser once the source turns out to hold rows

    def compose(self) -> ComposeResult:
        if self.conn is not None:
            where = self.conn.url
        else:
            scheme = getattr(getattr(self.opened, "source", None), "scheme", "?")
            where = f"{scheme}:{getattr(self.opened, 'folder', '')}"
        yield Static(Text(f"Browse · {_t(where)}"), id="title")
        with Horizontal(id="browse-body"):
            tree: Tree[FileEntry | None] = Tree("connecting…", id="tree")
            tree.show_root = True
            yield tree
            yield Static("Opening the folder…", id="entry-info")
        yield Static("Connecting and checking the layers up to the folder…", id="browse-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Tree).focus()
        if self.opened is not None:
            self.post_message(SourceOpened(self.opened))
        else:
            self._hold_source()

    @work(exclusive=True, group="source")
    async def _hold_source(self) -> None:
        # The connection lives as long as this worker: cancelled (and closed) when the screen goes.
        assert self.conn is not None
        api = await engine_module("api")
        try:
            async with api.open_source(self.conn.settings, target=self.conn.target,
                                       timeout=self.conn.timeout) as opened:
                self.post_message(SourceOpened(opened))
                await asyncio.Event().wait()
        except api.DiagnosisFailed as exc:
            self.post_message(SourceFailed(str(exc), exc.report))
        except Exception as exc:  # a network error after the diagnosis: one line, no traceback
            self.post_message(SourceFailed(f"{type(exc).__name__}: {exc}"))

    def on_source_opened(self, message: SourceOpened) -> None:
        self.opened = message.opened
        from .browse_rows import RowBrowser, is_row_source

        if is_row_source(message.opened.source):  # a database or a stream: relations
            self.rows = RowBrowser(self, message.opened)
            self.rows.start()
            return
        tree = self.query_one(Tree)
        folder = message.opened.folder
        tree.root.set_label(Text(f"{_t(folder or '.')}/"))
        tree.root.data = None
        self.query_one("#entry-info", Static).update(
            Text(f"{_t(folder or '.')}\nListing up to {LISTING_LIMIT} entries per folder."))
        self.query_one("#browse-status", Static).update(
            "Enter: open a folder or preview a file · Esc back")
        self._list(tree.root, folder)

    def on_source_failed(self, message: SourceFailed) -> None:
        self.query_one("#browse-status", Static).update(
            Text(f"✗ Cannot browse: {_t(message.reason)}"))
        self.query_one("#entry-info", Static).update("Go back (Esc) and re-run the diagnosis.")

    @work(group="listing")
    async def _list(self, node: TreeNode[FileEntry | None], folder: str) -> None:
        assert self.opened is not None
        try:
            listing: Listing = await asyncio.wait_for(
                self.opened.source.list(folder, limit=LISTING_LIMIT), self.timeout)
        except (SourceError, TimeoutError) as exc:
            reason = str(exc) or f"no answer in {self.timeout:g} s"
            self.post_message(FolderListed(node, None, {"": reason}))
            return
        await engine_module("preview")  # a first import must not block the event loop
        from ...preview import naming_findings

        findings = naming_findings(listing.entries, get_target(self.target))
        flagged = flagged_names(listing.entries, findings)
        self.post_message(FolderListed(node, listing, flagged))

    def on_folder_listed(self, message: FolderListed) -> None:
        if self.rows is not None:
            self.rows.listed(message)
            return
        node: TreeNode[FileEntry | None] = message.node
        listing: Listing | None = message.listing
        if listing is None:
            node.add_leaf(Text(f"✗ cannot list: {_t(message.flagged.get('', '?'))}"))
            node.expand()
            return
        self._flags.update(message.flagged)
        for entry in listing.entries:
            label = entry_label(entry, message.flagged.get(entry.path))
            if entry.kind == "dir":
                node.add(label, data=entry, allow_expand=True)
            else:
                node.add_leaf(label, data=entry)
        if listing.truncated:
            at_least = "at least " if listing.counting_stopped else ""
            node.add_leaf(f"… {at_least}{listing.truncated} more not listed (limit {LISTING_LIMIT})")
        if not listing.entries:
            node.add_leaf("(empty folder)")
        node.expand()
        shown = len(listing.entries)
        self.query_one("#browse-status", Static).update(Text(
            f"{shown} entries in {_t(listing.folder or '.')}"
            + (f" · {len(message.flagged)} naming problem(s), marked !" if message.flagged else "")
            + " · Enter previews a file"))

    @on(Tree.NodeExpanded)
    def _expanded(self, event: Tree.NodeExpanded[FileEntry | None]) -> None:
        if self.rows is not None:
            self.rows.expanded(event.node)
            return
        entry = event.node.data
        if entry is not None and entry.kind == "dir" and entry.path not in self._loaded:
            self._loaded.add(entry.path)
            self._list(event.node, entry.path)

    @on(Tree.NodeHighlighted)
    def _highlighted(self, event: Tree.NodeHighlighted[FileEntry | None]) -> None:
        if self.rows is not None:
            self.rows.highlighted(event.node)
            return
        entry = event.node.data
        info = self.query_one("#entry-info", Static)
        if entry is None:
            info.update(Text(str(event.node.label)))  # the label was escaped when it was made
            return
        lines = [_t(entry.path), f"kind: {entry.kind}", f"size: {human_size(entry.size)}",
                 f"modified: {when(entry.mtime)} UTC"]
        if entry.permissions is not None:
            lines.append(f"mode: {entry.permissions & 0o7777:04o}")
        problem = self._flags.get(entry.path)
        if problem:
            lines.append(f"! naming: {_t(problem)}")
        if entry.is_file:
            lines.append("Enter: preview this file")
        info.update(Text("\n".join(lines)))

    @on(Tree.NodeSelected)
    def _selected(self, event: Tree.NodeSelected[FileEntry | None]) -> None:
        if self.rows is not None:
            self.rows.open(event.node)
            return
        entry = event.node.data
        if entry is not None and entry.is_file:
            self._open_preview(entry)

    def action_preview(self) -> None:
        """Preview the highlighted file."""
        node = self.query_one(Tree).cursor_node
        if self.rows is not None:
            self.rows.open(node)
            return
        if node is not None and node.data is not None and node.data.is_file:
            self._open_preview(node.data)

    def _open_preview(self, entry: FileEntry) -> None:
        if self.opened is None:
            return
        from .preview import PreviewScreen

        # The folder the connection names: an ingest labels the file by that folder's URL + the
        # file's path inside it (the entry's path is from the source's root).
        self.app.push_screen(PreviewScreen(self.opened.source, entry, self.conn,
                                           folder=getattr(self.opened, "folder", None)))
