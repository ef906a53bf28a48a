"""A what-if :class:`Scenario`: a list of changes applied to a :class:`RoadNetwork`.

:meth:`Scenario.apply` returns a new network built from the base's arrays
(those it does not change are shared, not copied; the base is never written
to) without reading any source again. Every accessibility measure takes
``scenario=`` and runs on ``scenario.apply(net)``; :func:`connectivity.compare`
runs a measure before and after.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from numpy.typing import ArrayLike
from pyproj import CRS, Transformer

from connectivity.errors import CRSError, DataError
from connectivity.network import RoadNetwork
from connectivity.refs import ref_index
from connectivity.scenarios.changes import (
    AddLink,
    BorderCrossing,
    Change,
    Close,
    OffroadSpeed,
    Selection,
    Upgrade,
)
from connectivity.scenarios.edit import EdgeRefs, add_link, close_edges, select_edges, upgrade_edges
from connectivity.scenarios.files import read_changes

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

__all__ = ["Scenario", "base_edges"]

log = logging.getLogger(__name__)

_CHANGE_TYPES = (AddLink, Upgrade, Close, BorderCrossing, OffroadSpeed)

#: For each scenario network: the base edge each of its edges comes from (-1: added).
_BASE_EDGES: weakref.WeakKeyDictionary[RoadNetwork, np.ndarray] = weakref.WeakKeyDictionary()


def base_edges(net: RoadNetwork) -> np.ndarray | None:
    """For a network made by :meth:`Scenario.apply`, the base edge of each edge (-1: a new link).

    None for any other network. Maps per-edge values of the base network
    (road refs, flows) onto the scenario network: ``values[base]`` where
    ``base >= 0``.
    """
    return _BASE_EDGES.get(net)


def describe(change: Change) -> dict[str, Any]:
    """One change as a JSON-able dict (sidecars, logs): its type and fields, geometry as WKT."""
    out: dict[str, Any] = {"change": type(change).__name__}
    for f in dataclasses.fields(change):
        value = getattr(change, f.name)
        if value is None:
            continue
        out[f.name] = (
            shapely.to_wkt(value, rounding_precision=3)
            if isinstance(value, shapely.Geometry)
            else (list(value) if isinstance(value, tuple) else value)
        )
    return out


def _geometries(change: Change) -> list[BaseGeometry]:
    """The geometries (and box) of a change."""
    out = [getattr(change, k, None) for k in ("geometry", "polygon", "name_or_point")]
    box = change.area() if isinstance(change, Selection) else None
    return [g for g in [*out, box] if isinstance(g, shapely.Geometry)]


@dataclass(frozen=True, eq=False)
class Scenario:
    """A named list of changes to a road network (and to the border crossings).

    Parameters
    ----------
    changes : iterable of AddLink, Upgrade, Close, BorderCrossing, OffroadSpeed
        Applied in order (an :class:`Upgrade` after an :class:`AddLink` may
        select the new link's edges by area).
    name : str
        Label in outputs and sidecars.
    crs : CRS-like, optional
        CRS of the changes' geometries and boxes; default: the network's.
        Geometries in another CRS are reprojected to the network's before
        use (lengths are always measured in the network's metric CRS).
    edge_refs : sequence or mapping, optional
        Road refs of the base network's edges for ``ref=`` selections: one
        value per directed edge (CSR order) or a mapping from
        ``net.edge_source_ids`` to a ref (as :func:`connectivity.corridor_access`).

    Examples
    --------
    >>> link = AddLink(shapely.LineString([(0, 0), (5_000, 0)]), speed_kmh=80)  # doctest: +SKIP
    >>> after = Scenario([link], name="bypass").apply(net)  # doctest: +SKIP
    >>> time_to_nearest(net, cells, sez, scenario=Scenario([link]))  # doctest: +SKIP
    """

    changes: Sequence[Change]
    name: str = "scenario"
    crs: CRS | None = None
    edge_refs: ArrayLike | Mapping[Any, Any] | None = None

    def __post_init__(self) -> None:
        changes = tuple(self.changes) if isinstance(self.changes, Iterable) else (self.changes,)
        for i, c in enumerate(changes):
            if not isinstance(c, _CHANGE_TYPES):
                names = ", ".join(t.__name__ for t in _CHANGE_TYPES)
                msg = f"change {i} is a {type(c).__name__}, not a scenario change ({names})"
                raise DataError(msg)
        object.__setattr__(self, "changes", changes)
        if self.crs is not None:
            object.__setattr__(self, "crs", CRS.from_user_input(self.crs))

    # ------------------------------------------------------------ views
    def __len__(self) -> int:
        return len(self.changes)

    def __repr__(self) -> str:
        kinds = ", ".join(type(c).__name__ for c in self.changes) or "no changes"
        return f"Scenario({self.name!r}: {kinds})"

    @property
    def changes_network(self) -> bool:
        """True when a change touches the network (not only border crossings)."""
        return any(not isinstance(c, BorderCrossing) for c in self.changes)

    @property
    def crossings(self) -> tuple[BorderCrossing, ...]:
        """The border-crossing changes (used by :func:`connectivity.border_access`)."""
        return tuple(c for c in self.changes if isinstance(c, BorderCrossing))

    def describe(self) -> list[dict[str, Any]]:
        """The changes as JSON-able dicts (for sidecars)."""
        return [describe(c) for c in self.changes]

    # ------------------------------------------------------------ reading
    @classmethod
    def from_file(
        cls,
        path: str | os.PathLike[str],
        *,
        layer: str | None = None,
        name: str | None = None,
        edge_refs: ArrayLike | Mapping[Any, Any] | None = None,
    ) -> Scenario:
        """Read a scenario from a GeoPackage layer or a YAML/JSON file.

        See :mod:`connectivity.scenarios.files` for the fields.
        """
        changes, crs, file_name = read_changes(path, layer=layer)
        return cls(changes, name=name or file_name, crs=crs, edge_refs=edge_refs)

    # ------------------------------------------------------------ applying
    def in_crs(self, crs: CRS) -> tuple[Change, ...]:
        """The changes with their geometries (and boxes) in ``crs``."""
        if self.crs is None or self.crs.equals(crs):
            return tuple(self.changes)
        tr = Transformer.from_crs(self.crs, crs, always_xy=True)

        def move(g: BaseGeometry) -> BaseGeometry:
            return shapely.transform(
                g, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))
            )

        out: list[Change] = []
        for c in self.changes:
            if isinstance(c, AddLink):
                out.append(dataclasses.replace(c, geometry=move(c.geometry)))
            elif isinstance(c, OffroadSpeed):
                out.append(dataclasses.replace(c, polygon=move(c.polygon)))
            elif isinstance(c, BorderCrossing) and not isinstance(c.name_or_point, str):
                out.append(dataclasses.replace(c, name_or_point=move(c.name_or_point)))
            elif isinstance(c, Selection) and c.area() is not None:
                area = c.area()
                assert area is not None
                dense = shapely.segmentize(area, max(1.0, shapely.length(area) / 256))
                out.append(dataclasses.replace(c, bbox=None, polygon=move(dense)))
            else:
                out.append(c)
        return tuple(out)

    def _check_not_degrees(self, net: RoadNetwork) -> None:
        """Refuse geometries without a CRS that look like degrees, away from a network in metres."""
        if self.crs is not None:
            return
        parts = [shapely.get_coordinates(g) for c in self.changes for g in _geometries(c)]
        if not parts:
            return
        xy = np.concatenate(parts)
        in_degrees = (np.abs(xy[:, 0]) <= 180).all() and (np.abs(xy[:, 1]) <= 90).all()
        pad = 1000.0
        apart = (
            xy[:, 0].max() < net.x.min() - pad or xy[:, 0].min() > net.x.max() + pad
            or xy[:, 1].max() < net.y.min() - pad or xy[:, 1].min() > net.y.max() + pad
        )  # fmt: skip
        if in_degrees and apart:
            msg = (
                "the scenario's coordinates look like degrees (longitude/latitude) but it has no "
                f"CRS and the network is in metres ({net.crs.to_string()}); give the file a CRS "
                "(crs: EPSG:4326 in YAML/JSON, or the layer's CRS) or Scenario(crs=...)"
            )
            raise CRSError(msg)

    def apply(
        self, net: RoadNetwork, *, edge_refs: ArrayLike | Mapping[Any, Any] | None = None
    ) -> RoadNetwork:
        """The network with the changes made: a new :class:`RoadNetwork`; ``net`` is untouched.

        Parameters
        ----------
        net : RoadNetwork
            The base network.
        edge_refs : sequence or mapping, optional
            Road refs of ``net``'s edges (overrides the scenario's own).

        Returns
        -------
        RoadNetwork
            Arrays the changes leave alone are those of ``net`` (shared);
            new nodes are appended (ids of ``net``'s nodes keep their
            meaning). ``meta["scenario"]`` records the name and changes,
            ``meta["offroad_areas"]`` the :class:`OffroadSpeed` areas (WKT,
            network CRS) that snapping onto it honours; :func:`base_edges`
            maps its edges to ``net``'s.

        Raises
        ------
        DataError
            A link that touches no road, a selection matching no edge, an
            unknown road ref.
        """
        self._check_not_degrees(net)
        refs_given = edge_refs if edge_refs is not None else self.edge_refs
        refs = None if refs_given is None else EdgeRefs(*ref_index(net, refs_given))
        work = dataclasses.replace(net, meta=dict(net.meta))
        base = np.arange(net.n_edges, dtype="int64")
        areas = list(net.meta.get("offroad_areas", []))
        for i, change in enumerate(self.in_crs(net.crs)):
            what = f"change {i} ({type(change).__name__})"
            if isinstance(change, AddLink):
                work, base = add_link(work, change, base)
            elif isinstance(change, Upgrade):
                mask = select_edges(work, change, base, refs, what)
                work = upgrade_edges(work, mask, change.speed_kmh, change.road_class)
            elif isinstance(change, Close):
                work, base = close_edges(work, select_edges(work, change, base, refs, what), base)
            elif isinstance(change, OffroadSpeed):
                areas.append({"wkt": change.polygon.wkt, "speed_kmh": change.speed_kmh})
        if areas:
            work.meta["offroad_areas"] = areas
        work.meta["scenario"] = {"name": self.name, "changes": self.describe()}
        _BASE_EDGES[work] = base
        log.info("scenario %r applied: %r", self.name, work)
        return work
