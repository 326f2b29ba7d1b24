"""MIDA for Python: stream task provenance to a MIDA server and query it.

Imports are lazy (a Dask worker pays only for what it uses)::

    import mida
    with mida.workflow(name="train", campaign_id="c1"):
        train(lr=0.01)                      # a function decorated with @mida.task
    rows = mida.Client("http://localhost:8080").query(filter={"campaign_id": "c1"})
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "Settings": "mida.config",
    "Emitter": "mida.emitter",
    "workflow": "mida.sdk",
    "task": "mida.sdk",
    "entity": "mida.sdk",
    "loop": "mida.sdk",
    "Task": "mida.sdk",
    "Client": "mida.client",
    "MidaError": "mida.client",
    "MidaDask": "mida.dask",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mida' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
