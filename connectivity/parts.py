"""Separate parts of a road network, and where the places of a measure fall on them.

Networks built from real data often have parts that no road joins: islands,
roads cut off by a clip, digitising gaps. Every part is kept (unless a
builder is given ``largest_component=True``) and routed within; a trip
between two parts has no travel time, with the reason
:data:`DIFFERENT_PART`.

Parts are the *weakly* connected components of the network (nodes joined by
roads in either direction), so "different network component" is said only
when no path can exist. Inside one part, one-way roads may still leave a
place unreachable (a one-way dead end reaches the rest but is not reached);
the shortest-path search itself tells those apart.

* :func:`part_labels` - the part of every node (0 = largest), cached per network;
* :func:`place_parts` - the part of every snapped place (-1: not on the network);
* :class:`Parts` - origins and destinations of one measure call on the parts:
  which origins have no destination on their part (:attr:`Parts.apart`), and
  the summary stored in a result's ``.attrs["components"]``
  (:meth:`Parts.summary`, read back as text by :func:`describe_parts`).
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from connectivity.network import RoadNetwork
from connectivity.snapping import Snapped

__all__ = [
    "DIFFERENT_PART",
    "Parts",
    "describe_parts",
    "merge_parts_summaries",
    "part_labels",
    "place_parts",
]

log = logging.getLogger(__name__)

#: The reason given to an origin with no destination on its part of the network.
DIFFERENT_PART = "different network component"
#: Parts listed by name in a summary (those holding the most places).
MAX_LISTED = 20

_LABELS: weakref.WeakKeyDictionary[RoadNetwork, np.ndarray] = weakref.WeakKeyDictionary()


def part_labels(net: RoadNetwork) -> np.ndarray:
    """The part (weakly connected component) of every node: 0 = largest, then by size."""
    lab = _LABELS.get(net)
    if lab is None:
        lab = _LABELS[net] = net.component_labels(connection="weak")
    return lab


def place_parts(net: RoadNetwork, snapped: Snapped) -> np.ndarray:
    """The part of every snapped place (that of its road segment); -1 where it does not join."""
    out = np.full(len(snapped), -1, dtype="int64")
    ok = snapped.ok
    out[ok] = part_labels(net)[snapped.node_a[ok]]
    return out


@dataclass(frozen=True, eq=False)
class Parts:
    """The origins and destinations of one measure call on the separate parts of a network.

    Attributes
    ----------
    origin_part : numpy.ndarray
        Part of every origin, -1 where it does not join the network.
    dest_part : numpy.ndarray
        Part of every destination (or destination node), -1 where it does not join.
    part_size : numpy.ndarray
        Nodes per part of the network.
    """

    origin_part: np.ndarray
    dest_part: np.ndarray
    part_size: np.ndarray

    @classmethod
    def of(
        cls, net: RoadNetwork, origins: Snapped, destinations: Snapped | None = None,
        dest_nodes: np.ndarray | None = None,
    ) -> Parts:  # fmt: skip
        """The parts of ``origins`` and of ``destinations`` (or of the network nodes ``dest_nodes``)."""
        lab = part_labels(net)
        if destinations is not None:
            dest_part = place_parts(net, destinations)
        else:
            dest_part = lab[np.asarray(dest_nodes if dest_nodes is not None else [], "int64")]
        return cls(place_parts(net, origins), dest_part, np.bincount(lab))

    @property
    def apart(self) -> np.ndarray:
        """True for origins on the network with no destination on their part."""
        served = np.zeros(self.part_size.size, dtype=bool)
        served[self.dest_part[self.dest_part >= 0]] = True
        o = self.origin_part
        return (o >= 0) & ~served[np.where(o >= 0, o, 0)]

    def n_pairs_apart(self) -> int:
        """Origin-destination pairs (both on the network) on different parts."""
        k = self.part_size.size
        no = np.bincount(self.origin_part[self.origin_part >= 0], minlength=k)
        nd = np.bincount(self.dest_part[self.dest_part >= 0], minlength=k)
        return int(no.sum() * nd.sum() - (no * nd).sum())

    def summary(self, *, pairs: bool = False) -> dict[str, Any]:
        """What ``.attrs["components"]`` of a result holds (JSON-ready).

        ``n_parts`` (parts of the network), ``n_parts_used`` (parts holding an
        origin or a destination), ``parts`` (per used part: ``part``,
        ``n_nodes``, ``n_origins``, ``n_destinations``; at most
        :data:`MAX_LISTED`, those with the most places), ``n_origins_apart``
        (origins with no destination on their part) and, with ``pairs``,
        ``n_pairs_apart``.
        """
        k = self.part_size.size
        no = np.bincount(self.origin_part[self.origin_part >= 0], minlength=k)
        nd = np.bincount(self.dest_part[self.dest_part >= 0], minlength=k)
        used = np.flatnonzero((no + nd) > 0)
        listed = np.sort(used[np.argsort(-(no + nd)[used], kind="stable")][:MAX_LISTED])
        out: dict[str, Any] = {
            "n_parts": int(k),
            "n_parts_used": int(used.size),
            "parts": [
                {
                    "part": int(p),
                    "n_nodes": int(self.part_size[p]),
                    "n_origins": int(no[p]),
                    "n_destinations": int(nd[p]),
                }
                for p in listed
            ],
            "n_origins_apart": int(self.apart.sum()),
        }
        if pairs:
            out["n_pairs_apart"] = self.n_pairs_apart()
        if out["n_parts_used"] > 1:
            log.info("%s", describe_parts(out))
        return out


def describe_parts(summary: Mapping[str, Any]) -> str:
    """One line saying on which parts of the network the places fall (from :meth:`Parts.summary`)."""
    n_used, n_parts = summary["n_parts_used"], summary["n_parts"]
    if n_used <= 1:
        return f"origins and destinations are on one part of the network ({n_parts} parts in all)"
    shown = "; ".join(
        f"part {p['part']} ({p['n_nodes']:,} nodes): {p['n_origins']:,} origins, "
        f"{p['n_destinations']:,} destinations"
        for p in summary["parts"][:5]
    )
    more = f"; {n_used - 5} more parts" if n_used > 5 else ""
    apart = summary["n_origins_apart"]
    pairs = summary.get("n_pairs_apart")
    lost = f"{pairs:,} origin-destination pairs" if pairs is not None else f"{apart:,} origins"
    return (
        f"origins and destinations fall on {n_used} of the network's {n_parts:,} separate parts "
        f"({shown}{more}); {lost} have no travel time ({DIFFERENT_PART!r})"
    )


def merge_parts_summaries(summaries: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One summary for origins measured in chunks against the same destinations.

    Origin counts add up; destination counts are those of any chunk (the
    same destinations). Parts left out of a chunk's list are not counted.
    """
    if not summaries:
        return {}
    parts: dict[int, dict[str, int]] = {}
    for s in summaries:
        for p in s["parts"]:
            row = parts.setdefault(p["part"], {**p, "n_origins": 0})
            row["n_origins"] += p["n_origins"]
            row["n_destinations"] = max(row["n_destinations"], p["n_destinations"])
    out: dict[str, Any] = {
        "n_parts": summaries[0]["n_parts"],
        "n_parts_used": len(parts),
        "parts": [parts[k] for k in sorted(parts)],
        "n_origins_apart": sum(int(s["n_origins_apart"]) for s in summaries),
    }
    if all("n_pairs_apart" in s for s in summaries):
        out["n_pairs_apart"] = sum(int(s["n_pairs_apart"]) for s in summaries)
    return out
