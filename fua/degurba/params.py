"""The thresholds of the Degree of Urbanisation: :class:`DegurbaParams` and its presets.

Every density, population and share threshold of the grid classification
(levels 1 and 2) is a field of one frozen dataclass; :meth:`DegurbaParams.preset`
gives the published variants (GHSL R2023A with the 2024 or the 2021
semi-dense rule, R2022A, the 2021 manual).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Literal

import numpy as np

from connectivity.errors import ParameterError
from fua._params import ParamsMixin

__all__ = ["DegurbaParams", "NodataClass", "Smoothing"]

#: Majority-rule smoothing of urban-centre edges (GHSL release), or none.
Smoothing = Literal["R2023A", "R2022A", "none"]
#: What cells without population data become: 0 (no data) or classified as unpopulated cells.
NodataClass = Literal["nodata", "rural"]


@dataclass(frozen=True)
class DegurbaParams(ParamsMixin):
    """Thresholds of the Degree of Urbanisation grid classification.

    Densities are people per km² of permanent land (of cell area when the grid
    has no land layer); populations are people; shares are 0–1. Every
    comparison is inclusive (``>=``). The defaults follow GHSL Data Package
    2023 (R2023A) with the July 2024 semi-dense rule, as implemented by the R
    package flexurba; :meth:`preset` gives the other published variants.

    Notes
    -----
    Sources: European Commission et al. (2021) *Applying the Degree of
    Urbanisation*, §2 and Annex; GHSL Data Package 2022 (footnote 25, the
    50 % built-up option; the 5-of-8 majority rule) and 2023 (footnotes 29–30:
    the majority rule counted over land or populated cells only, permanent
    water never added, the "reduce fragmentation" built-up share of 0.2);
    flexurba documentation for the July 2024 semi-dense urban cluster rule.

    Three options reproduce choices of the R package flexurba (all off by
    default, so results are GHSL's as documented above):

    ``centre_smooth_window``
        0 (default) or an odd window size ``w`` ≥ 3: before the urban-centre
        rules, population and density are replaced by their ``w`` × ``w``
        moving-window means (cells outside the grid or without population
        data left out of the mean), as flexurba's ``UC_smooth_pop`` /
        ``UC_smooth_pop_window`` do. The smoothed density decides which cells
        pass the density rule, the smoothed population which groups reach
        ``centre_pop_min`` and which cells count as populated in the R2023A
        majority rule. The built-up rule, every other class and every
        statistic use the unsmoothed grid. flexurba's window when switched on
        is 5. Density is taken as everywhere in these rules: a cell with
        people but no recorded land uses its whole area (flexurba's
        population per land is infinite there), and cells with neither land
        nor people are left out of the density mean (undefined, as in
        flexurba). Needs the whole grid: :func:`fua.degurba_to_files` refuses it.
    ``built_share_decimals``
        None (default) or a number of decimals: the built-up share of land is
        rounded to it before it is compared with ``centre_built_share_min``
        and ``dense_built_share_min``. flexurba rounds it to 3 decimals
        (``round(built / land, 3)`` in ``DoU_preprocess_grid``), which moves
        cells whose share lies within 0.0005 of the threshold.
    ``nodata_class``
        ``"nodata"`` (default): cells without population data are 0 in both
        levels (unless they are water). ``"rural"``: they are classified as
        cells with no people, as flexurba does (rural 1 / SMOD 11 or water 10,
        or inside a centre or cluster when hole filling or edge smoothing
        adds them). :func:`fua.degurba_to_files` supports only ``"nodata"``
        so far, and refuses ``"rural"``.
    """

    preset_name: str = "R2023A"
    # urban centres (level 1 code 3, SMOD 30)
    centre_density_min_per_km2: float = 1500.0
    centre_pop_min: float = 50_000.0
    centre_connectivity: int = 4
    centre_built_share_min: float | None = 0.2
    centre_hole_max_km2: float = 15.0
    centre_smoothing: Smoothing = "R2023A"
    # urban clusters (level 1 code 2)
    cluster_density_min_per_km2: float = 300.0
    cluster_pop_min: float = 5_000.0
    cluster_connectivity: int = 8
    # dense urban clusters (SMOD 23)
    dense_density_min_per_km2: float = 1500.0
    dense_pop_min: float = 5_000.0
    dense_connectivity: int = 4
    dense_built_share_min: float | None = 0.2
    # semi-dense urban clusters (SMOD 22)
    semi_dense_rule: Literal["2024", "2021"] = "2024"
    semi_dense_density_min_per_km2: float = 900.0
    semi_dense_pop_min: float = 2_500.0
    semi_dense_connectivity: int = 4
    semi_dense_buffer_km: float = 2.0
    # rural clusters (SMOD 13) and rural densities
    rural_cluster_density_min_per_km2: float = 300.0
    rural_cluster_pop_min: float = 500.0
    rural_cluster_connectivity: int = 8
    low_density_min_per_km2: float = 50.0
    # water cells (SMOD 10): land share below, no people, no built-up
    water_land_share_max: float = 0.5
    # flexurba parity options (off by default; see Notes)
    centre_smooth_window: int = 0
    built_share_decimals: int | None = None
    nodata_class: NodataClass = "nodata"

    def __post_init__(self) -> None:
        problems = []
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name.endswith("_connectivity") and v not in (4, 8):
                problems.append(f"{f.name} must be 4 or 8, got {v!r}")
            elif (f.name.endswith(("_min", "_per_km2", "_km2", "_km"))) and v is not None:
                if not isinstance(v, (int, float)) or not np.isfinite(v) or v < 0:
                    problems.append(f"{f.name} must be a finite number >= 0, got {v!r}")
        for name in ("centre_built_share_min", "dense_built_share_min", "water_land_share_max"):
            v = getattr(self, name)
            if v is not None and not (0.0 <= float(v) <= 1.0):
                problems.append(f"{name} must be a share between 0 and 1 (or None), got {v!r}")
        if self.centre_smoothing not in ("R2023A", "R2022A", "none"):
            problems.append(
                f"centre_smoothing must be 'R2023A', 'R2022A' or 'none', got {self.centre_smoothing!r}"
            )
        if self.semi_dense_rule not in ("2024", "2021"):
            problems.append(
                f"semi_dense_rule must be '2024' or '2021', got {self.semi_dense_rule!r}"
            )
        problems += self._flexurba_option_problems()
        if problems:
            msg = "invalid DegurbaParams: " + "; ".join(problems)
            raise ParameterError(msg)

    def _flexurba_option_problems(self) -> list[str]:
        """What is wrong with the three flexurba-parity options (empty when nothing)."""
        problems = []
        w = self.centre_smooth_window
        if isinstance(w, bool) or not isinstance(w, int) or not (w == 0 or (w >= 3 and w % 2)):
            problems.append(
                f"centre_smooth_window must be 0 (off) or an odd integer >= 3, got {w!r}"
            )
        d = self.built_share_decimals
        if d is not None and (isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 15):
            problems.append(f"built_share_decimals must be None or an integer 0-15, got {d!r}")
        if self.nodata_class not in ("nodata", "rural"):
            problems.append(f"nodata_class must be 'nodata' or 'rural', got {self.nodata_class!r}")
        return problems

    # -- presets ----------------------------------------------------------------
    @classmethod
    def preset(cls, name: str) -> DegurbaParams:
        """Published variants of the rules.

        ``"R2023A"`` (default): GHSL Data Package 2023 with the July 2024
        semi-dense rule (900 /km², 2 500 people, rook contiguity, not within
        2 km of a centre or dense cluster). ``"R2023A-2021"``: the same with
        the 2021 manual's semi-dense rule (urban clusters at least 3 km from
        centres and dense clusters). ``"R2022A"``: built-up share 0.5, 5-of-8
        majority rule, 2021 semi-dense rule. ``"manual2021"``: no built-up
        option, 5-of-8 majority rule, 2021 semi-dense rule.
        """
        base = cls()
        semi2021 = {
            "semi_dense_rule": "2021",
            "semi_dense_density_min_per_km2": 300.0,
            "semi_dense_pop_min": 5_000.0,
            "semi_dense_connectivity": 8,
            "semi_dense_buffer_km": 3.0,
        }
        presets: dict[str, dict[str, Any]] = {
            "R2023A": {},
            "R2023A-2021": semi2021,
            "R2022A": {
                **semi2021,
                "centre_built_share_min": 0.5,
                "dense_built_share_min": 0.5,
                "centre_smoothing": "R2022A",
            },
            "manual2021": {
                **semi2021,
                "centre_built_share_min": None,
                "dense_built_share_min": None,
                "centre_smoothing": "R2022A",
            },
        }
        try:
            changes = presets[name]
        except KeyError:
            msg = f"unknown preset {name!r}; choose one of {sorted(presets)}"
            raise ParameterError(msg) from None
        return replace(base, preset_name=name, **changes)

    def replace(self, **changes: Any) -> DegurbaParams:
        """A copy with some fields changed (validated); the preset name gets ``+custom``."""
        changes.setdefault("preset_name", f"{self.preset_name.removesuffix('+custom')}+custom")
        return super().replace(**changes)
