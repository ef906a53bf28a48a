"""Road refs (``M36``, ``E40``, ``KAZ06``) carried by the edges of a network.

A network stores no refs itself: they come with the source (an OSM ``ref``
tag, a column of a line layer) as one value per directed edge or as a
mapping from ``net.edge_source_ids`` to a ref. Refs are normalised (spaces
and hyphens dropped, upper case) and a value may carry several, separated by
``;``, ``,`` or ``/``. Used by :func:`connectivity.corridor_access` (access
points on the corridor's road) and by :class:`connectivity.scenarios.Upgrade`
/ :class:`~connectivity.scenarios.Close` (edges selected by ref).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from connectivity.errors import DataError
from connectivity.network import RoadNetwork

__all__ = ["ref_index", "road_refs"]

_SPLIT = re.compile(r"[;,/]")


def road_refs(value: Any) -> set[str]:
    """Normalised refs of a value like ``"M-36; E40"`` -> {"M36", "E40"}."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return set()
    return {r.replace(" ", "").replace("-", "").upper() for r in _SPLIT.split(str(value))} - {""}


def ref_index(net: RoadNetwork, edge_refs: Any) -> tuple[np.ndarray, dict[str, list[int]]]:
    """Code per directed edge and, per normalised ref, the codes carrying it.

    ``edge_refs`` is one value per directed edge (CSR order) or a mapping from
    ``net.edge_source_ids`` to a ref; only distinct values are parsed.
    """
    if isinstance(edge_refs, Mapping):
        if net.edge_source_ids is None:
            msg = (
                "edge_refs is a mapping by source id but the network has no edge_source_ids; "
                "pass one ref per directed edge instead"
            )
            raise DataError(msg)
        codes, uniq_sid = pd.factorize(net.edge_source_ids)
        values = [edge_refs.get(sid) for sid in uniq_sid.tolist()]
    else:
        arr = np.asarray(edge_refs, dtype=object)
        if arr.size != net.n_edges:
            msg = f"edge_refs must have one value per directed edge ({net.n_edges}), got {arr.size}"
            raise DataError(msg)
        codes, uniq = pd.factorize(pd.Series(arr).astype("string").fillna(""))
        values = uniq.tolist()
    inverted: dict[str, list[int]] = {}
    for code, value in enumerate(values):
        for ref in road_refs(value):
            inverted.setdefault(ref, []).append(code)
    return np.asarray(codes, dtype="int64"), inverted
