"""Eval items: stored once, with stable ids, and queried by the items browser.

Public names load from their modules on first use (see `annotator.base.lazy`);
modules of this package import each other by path, never through this face.
"""

from __future__ import annotations

from annotator.base.lazy import lazy_face

_EXPORTS = {
    "INSERT_ITEM_SQL": "items",
    "ITEM_COLUMNS": "items",
    "ITEM_FIELDS": "items",
    "Item": "items",
    "ItemProblem": "items",
    "add_items": "items",
    "fields_row": "items",
    "get_item": "items",
    "item_from_record": "items",
    "parse_item": "items",
    "tag_keys": "items",
    "tag_values": "items",
    "ItemFilter": "query",
    "ItemRow": "query",
    "PAGE_SIZE": "query",
    "count_items_matching": "query",
    "items_page": "query",
}

__all__ = sorted(_EXPORTS)
__getattr__ = lazy_face(__name__, _EXPORTS)
