"""The three documents' networks, with their own names, settings and published numbers.

``load("2-2-2")`` gives the first document's network; ``info("2-2-2")`` its document and
the numbers it publishes, as quotations (``{"section", "key", "quote"}``; ``key`` is a
quantity of :mod:`backprop_lib.quantities`).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from ..network import SpecError
from ..spec import parse

HERE = Path(__file__).parent
IDS = ("2-2-2", "3-2-2", "2-2-1")


@lru_cache(maxsize=None)
def info(preset_id):
    """The preset's whole record: ``id``, ``document``, ``spec`` and ``published``."""
    if preset_id not in IDS:
        raise SpecError(f"{preset_id}: unknown preset (known: {', '.join(IDS)})")
    return json.loads((HERE / f"{preset_id}.json").read_text(encoding="utf-8"))


def load(preset_id):
    """The preset's network (a new :class:`Network` each time)."""
    return parse(info(preset_id)["spec"])


def published(preset_id):
    """The numbers the document publishes: a list of ``{"section", "key", "quote", …}``."""
    return list(info(preset_id)["published"])
