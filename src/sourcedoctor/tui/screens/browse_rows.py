"""The browse screen's row variant: relations (schemas → tables, or topics) instead of folders →
files. :class:`~.browse.BrowseScreen` keeps the connection, the tree and the layout; once the
opened source turns out to be a RowSource it hands its tree events to a :class:`RowBrowser`.

Relation names and server errors are foreign text: labels are ``Text`` with control characters
shown by ``for_terminal``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from ...report.escape import for_terminal as _t
from ...sources.rows import Relation, RelationListing, RowSource, RowSourceError
from ..messages import FolderListed

if TYPE_CHECKING:
    from .browse import BrowseScreen

#: Most relations shown per level; the listing says how many more there were.
LISTING_LIMIT = 500


def is_row_source(source: Any) -> bool:
    """Whether an opened source holds rows (a database, a stream) rather than files."""
    return isinstance(source, RowSource)


def relation_label(relation: Relation) -> Text:
    """One tree row: the name (without its schema, shown by the parent), kind and row estimate."""
    short = relation.name
    if relation.parent and short.startswith(relation.parent + "."):
        short = short[len(relation.parent) + 1:]
    if relation.is_container:
        return Text(f"{_t(short)}/")
    estimate = "" if relation.rows_estimate is None else f"  ~{relation.rows_estimate} rows"
    return Text(f"{_t(short)}  {_t(relation.kind)}{estimate}")


class RowBrowser:
    """The row strategy of a BrowseScreen: lists relations lazily (containers expand), shows a
    relation's details, and opens the rows preview."""

    def __init__(self, screen: BrowseScreen, opened: Any) -> None:
        self.screen = screen
        self.source: RowSource = opened.source
        self.relation: str | None = getattr(opened, "relation", None)
        self._loaded: set[str] = set()

    def start(self) -> None:
        """Show the source's top level (schemas or topics)."""
        tree: Tree[Any] = self.screen.query_one(Tree)
        tree.root.set_label(Text(f"{_t(self.source.scheme)}"))
        tree.root.data = None
        named = f"\nThe settings name {_t(self.relation)}." if self.relation else ""
        self.screen.query_one("#entry-info", Static).update(Text(
            f"{_t(self.source.scheme)}: relations\nListing up to {LISTING_LIMIT} per level."
            + named))
        self.screen.query_one("#browse-status", Static).update(
            "Enter: open a schema or preview a table · Esc back")
        self.list(tree.root, None)

    def list(self, node: TreeNode[Any], parent: str | None) -> None:
        """List ``parent``'s relations (None: the top level) into ``node``, in a worker."""
        self.screen.run_worker(self._list(node, parent), group="listing")

    async def _list(self, node: TreeNode[Any], parent: str | None) -> None:
        timeout = self.screen.timeout
        try:
            listing = await asyncio.wait_for(
                self.source.relations(parent, limit=LISTING_LIMIT), timeout)
        except (RowSourceError, TimeoutError) as exc:
            reason = str(exc) or f"no answer in {timeout:g} s"
            self.screen.post_message(FolderListed(node, None, {"": reason}))
            return
        self.screen.post_message(FolderListed(node, listing, {}))

    def listed(self, message: FolderListed) -> None:
        """Put a listing (or its error) into the tree."""
        node: TreeNode[Any] = message.node
        listing: RelationListing | None = message.listing
        if listing is None:
            node.add_leaf(Text(f"✗ cannot list: {_t(message.flagged.get('', '?'))}"))
            node.expand()
            return
        for rel in listing.relations:
            if rel.is_container:
                node.add(relation_label(rel), data=rel, allow_expand=True)
            else:
                node.add_leaf(relation_label(rel), data=rel)
        if listing.truncated:
            node.add_leaf(f"… {listing.truncated} more not listed (limit {LISTING_LIMIT})")
        if not listing.relations:
            node.add_leaf("(no relations)")
        node.expand()
        where = listing.parent or self.source.scheme
        self.screen.query_one("#browse-status", Static).update(Text(
            f"{len(listing.relations)} relations in {_t(where)} · Enter previews a table"))

    def expanded(self, node: TreeNode[Any]) -> None:
        rel = node.data
        if isinstance(rel, Relation) and rel.is_container and rel.name not in self._loaded:
            self._loaded.add(rel.name)
            self.list(node, rel.name)

    def highlighted(self, node: TreeNode[Any]) -> None:
        rel = node.data
        info = self.screen.query_one("#entry-info", Static)
        if not isinstance(rel, Relation):
            info.update(Text(str(node.label)))  # the label was escaped when it was made
            return
        lines = [_t(rel.name), f"kind: {_t(rel.kind)}"]
        if rel.parent:
            lines.append(f"in: {_t(rel.parent)}")
        if rel.rows_estimate is not None:
            lines.append(f"rows (estimate): {rel.rows_estimate}")
        lines.append("Enter: open" if rel.is_container else "Enter: preview its rows")
        info.update(Text("\n".join(lines)))

    def open(self, node: TreeNode[Any] | None) -> None:
        """Preview the rows of the relation at ``node`` (a table, a view, a topic)."""
        rel = node.data if node is not None else None
        if not isinstance(rel, Relation) or rel.is_container:
            return
        from .preview_rows import RowPreviewScreen

        self.screen.app.push_screen(RowPreviewScreen(self.source, rel.name, self.screen.conn))
