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

__all__ = ["DegurbaParams", "Smoothing"]

#: Majority-rule smoothing of urban-centre edges (GHSL release), or none.
Smoothing = Literal["R2023A", "R2022A", "none"]


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
        if problems:
            msg = "invalid DegurbaParams: " + "; ".join(problems)
            raise ParameterError(msg)

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
