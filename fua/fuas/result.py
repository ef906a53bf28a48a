"""The result of :func:`fua.delineate_fuas`: :class:`FuaResult`, its layers and their writing.

:meth:`FuaResult.write` writes the FUAs, their cities and commuting zones
(and the units) as a GeoPackage or Shapefiles with QGIS default styles and a
JSON sidecar; what it creates is removed again if it fails.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from connectivity.errors import OutputExistsError
from connectivity.outputs import NewOutputs
from fua.degurba.classify import DegurbaResult
from fua.fuas.params import FuaParams
from fua.outputs.notebook import explore_fuas, fua_result_html
from fua.outputs.styles import write_styled_layers

__all__ = ["FuaResult"]


@dataclass(frozen=True, eq=False)
class FuaResult:
    """Functional urban areas and the per-unit decisions behind them.

    Attributes
    ----------
    fua, fua_city, fua_commuting_zone : geopandas.GeoDataFrame
        One row per FUA (``fua_id``, ``name``, ``pop_city``,
        ``pop_commuting``, ``pop_total``, ``area_km2``, ``area_city_km2``,
        ``area_commuting_km2``, ``n_urban_centres``, ``uc_ids``, geometry),
        its city and its commuting zone (same columns; FUAs without a
        commuting zone have no row there).
    units : geopandas.GeoDataFrame
        Unit id -> ``fua_id``, ``role`` ("city", "commuting", "none"),
        shares and ``reason`` (empty when no units were given).
    centres : pandas.DataFrame
        One row per urban centre: population, FUA, flags.
    method : str
        ``"flows"`` or ``"proxy"``.
    params : FuaParams
    degurba : DegurbaResult
    fua_labels : numpy.ndarray or None
        Proxy route: FUA id per grid cell (0 = none).
    probability : numpy.ndarray or None
        Proxy route: predicted probability per cell (0 in centres and empty cells).
    meta : dict
        Anything else worth recording (threshold, travel-time source).
    """

    fua: gpd.GeoDataFrame
    fua_city: gpd.GeoDataFrame
    fua_commuting_zone: gpd.GeoDataFrame
    units: gpd.GeoDataFrame
    centres: pd.DataFrame
    method: str
    params: FuaParams
    degurba: DegurbaResult
    fua_labels: np.ndarray | None = None
    probability: np.ndarray | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_fuas(self) -> int:
        return len(self.fua)

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """The layers written by :meth:`write`, by name."""
        out = {
            "fua": self.fua,
            "fua_city": self.fua_city,
            "fua_commuting_zone": self.fua_commuting_zone,
        }
        if len(self.units):
            out["units"] = self.units
        return out

    def write(
        self,
        path: str | PathLike[str],
        *,
        overwrite: bool = False,
        driver: str | None = None,
        inputs: Mapping[str, str | PathLike[str]] | None = None,
    ) -> list[Path]:
        """Write the layers (GeoPackage, or Shapefiles) and a JSON sidecar beside them.

        Parameters
        ----------
        path : path-like
            ``*.gpkg`` (layers ``fua``, ``fua_city``, ``fua_commuting_zone``,
            ``units``), ``*.shp`` or a directory with ``driver="ESRI Shapefile"``.
        overwrite : bool
            Replace existing outputs.
        inputs : dict, optional
            Input files to checksum in the sidecar.

        Returns
        -------
        list of pathlib.Path
            Written files, the sidecar last (``<path stem>.json``).
        """
        t0 = time.time()
        target = Path(path)
        side = (target.parent if target.suffix else target) / f"{target.stem or 'fua'}.json"
        if side.exists() and not overwrite:
            msg = f"output {side} exists already; pass overwrite=True or choose another path"
            raise OutputExistsError(msg)
        # what this call creates is removed again if it fails: nothing half-written is left
        guard = NewOutputs()
        guard.claim(target, folder=not target.suffix)
        guard.claim(side, folder=False)
        try:
            layers = {k: _for_file(v) for k, v in self.layers().items()}
            written = write_styled_layers(target, layers, driver=driver, overwrite=overwrite)
            return [*written, self._write_sidecar(side, t0, written, inputs, overwrite=overwrite)]
        except BaseException:
            guard.remove()
            raise

    def _write_sidecar(
        self,
        side: Path,
        started: float,
        written: list[Path],
        inputs: Mapping[str, str | PathLike[str]] | None,
        *,
        overwrite: bool,
    ) -> Path:
        """The JSON record of :meth:`write`: parameters, inputs, outputs, counts."""
        from connectivity.io import write_sidecar

        extra = {
            "method": self.method,
            "n_fuas": self.n_fuas,
            "pop_in_fuas": float(self.fua["pop_total"].sum()) if len(self.fua) else 0.0,
            **self.meta,
        }
        params = {"fua": self.params.to_dict()}
        dp = getattr(self.degurba, "params", None)  # a hand-made classification may have none
        if dp is not None and hasattr(dp, "to_dict"):
            params["degurba"] = dp.to_dict()
        return write_sidecar(
            side,
            params=params,
            inputs=inputs or {},
            outputs=written,
            started_at=started,
            extra=extra,
            overwrite=overwrite,
        )

    # -- notebooks -----------------------------------------------------------------
    def _repr_html_(self) -> str:
        return fua_result_html(self)

    def explore(self, m: Any = None) -> Any:
        """Commuting zones, cities and FUAs on an interactive folium map (extra ``[explore]``)."""
        return explore_fuas(self, m=m)


def _for_file(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Columns a GeoPackage/Shapefile can hold (lists and objects as text)."""
    out = gdf.copy()
    for c in out.columns:
        if c != out.geometry.name and out[c].dtype == object:
            out[c] = out[c].map(lambda v: v if v is None or isinstance(v, str) else str(v))
    return out
