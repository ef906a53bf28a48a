"""Notebook conveniences: _repr_html_, plot(), to_xarray(), explore(), and the example notebook."""

from __future__ import annotations

import html.parser
import os
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import matplotlib
import numpy as np
import pytest
import shapely
from affine import Affine

import connectivity
import fua
from connectivity.notebook import ExploreLayer, explore_layers, grid_to_xarray, summary_html
from fua.degurba.legend import SMOD_L2_COLOURS
from fua.grid import PopulationGrid
from tests import ROOT

matplotlib.use("Agg")

NOTEBOOK = ROOT / "examples" / "06_notebook.ipynb"
T = Affine(1000, 0, 5_000_000, 0, -1000, 5_010_000)


class _Tags(html.parser.HTMLParser):
    """Checks that every opened tag is closed (in order) and collects the table rows."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.cells: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] in ("th", "td"):
            self.cells.append(data)


def _rows(text: str) -> dict[str, str]:
    p = _Tags()
    p.feed(text)
    assert not p.stack, f"unclosed tags {p.stack}"
    return dict(zip(p.cells[::2], p.cells[1::2], strict=True))


@pytest.fixture(scope="module")
def small() -> dict[str, Any]:
    """A 20 x 30 grid with two dense blobs, classified, FUAs (straight line), minutes."""
    yy, xx = np.mgrid[0:20, 0:30]
    pop = 4000 * np.exp(-((yy - 6) ** 2 + (xx - 8) ** 2) / 8) + 3000 * np.exp(
        -((yy - 13) ** 2 + (xx - 22) ** 2) / 6
    )
    grid = PopulationGrid(pop, T, "ESRI:54009", source="test blobs")
    result = fua.classify_grid(grid)
    fres = fua.delineate_fuas(result, commuting=fua.CommutingModel.default(),
                              travel_time="straight_line",
                              params=fua.FuaParams(min_centre_pop=10_000))  # fmt: skip
    xs = 5_000_000 + np.array([500.0, 10_500.0, 20_500.0])
    roads = gpd.GeoDataFrame(
        {"road_class": ["primary", "primary"]},
        geometry=[shapely.LineString([(xs[0], 5_000_500), (xs[2], 5_000_500)]),
                  shapely.LineString([(xs[1], 5_000_500), (xs[1], 5_009_500)])],
        crs="ESRI:54009",
    )  # fmt: skip
    net = connectivity.RoadNetwork.from_lines(roads, class_col="road_class")
    dest = gpd.GeoDataFrame(geometry=shapely.points([xs[1]], [5_005_000]), crs="ESRI:54009")
    tt = connectivity.raster_time_to_nearest(net, grid, dest, max_snap_m=50_000)
    return {"grid": grid, "result": result, "fres": fres, "net": net, "tt": tt}


# ---------------------------------------------------------------- _repr_html_
def test_every_result_shows_a_compact_table(small: dict[str, Any]) -> None:
    grid, result, fres, net, tt = (small[k] for k in ("grid", "result", "fres", "net", "tt"))
    g = _rows(grid._repr_html_())
    assert g["grid"] == "20 × 30 cells of 1000 m"
    assert g["CRS"] == "ESRI:54009 World_Mollweide"
    assert g["people"] == f"{grid.total_population:,.0f}"
    assert g["source"] == "test blobs"
    d = _rows(result._repr_html_())
    assert d["urban centres"] == str(result.n_centres) and d["levels"] == "1 and 2"
    f = _rows(fres._repr_html_())
    assert f["method"] == "proxy" and f["FUAs"] == str(fres.n_fuas)
    assert f["people in FUAs"] == f"{fres.fua['pop_total'].sum():,.0f}"
    n = _rows(net._repr_html_())
    assert n["nodes"] == f"{net.n_nodes:,}" and n["road classes"] == "primary"
    t = _rows(tt._repr_html_())
    assert t["destinations"] == "1"
    assert t["cells with a time"] == f"{int(np.isfinite(tt.time_min).sum()):,}"


def test_summary_html_escapes_and_formats() -> None:
    rows = _rows(summary_html("X", [("<name>", "Алматы & <b>"), ("n", 1234567), ("nan", np.nan),
                                    ("share", 0.123456), ("none", None)]))  # fmt: skip
    assert rows == {"<name>": "Алматы & <b>", "n": "1,234,567", "nan": "–", "share": "0.1235",
                    "none": "–"}  # fmt: skip


# ---------------------------------------------------------------- to_xarray
def test_to_xarray_is_georeferenced(small: dict[str, Any]) -> None:
    pytest.importorskip("rioxarray")
    grid, result, tt = small["grid"], small["result"], small["tt"]
    da = grid.to_xarray()
    assert da.dims == ("y", "x") and da.shape == grid.shape
    assert da.rio.crs.to_string() == "ESRI:54009"
    assert tuple(da.rio.transform())[:6] == tuple(T)[:6]
    assert float(da.x[0]) == 5_000_500 and float(da.y[0]) == 5_009_500  # cell centres
    assert float(da.sum()) == pytest.approx(grid.total_population)
    cls = result.to_xarray()
    np.testing.assert_array_equal(cls.values, result.level2)
    assert cls.rio.nodata == 0 and cls.attrs["flag_values"][0] == 30
    assert cls.attrs["flag_meanings"].split()[0] == "urban_centre"
    lv1 = result.to_xarray(level=1)
    assert lv1.name == "degurba_level1" and lv1.attrs["flag_values"] == [3, 2, 1]
    mins = tt.to_xarray()
    assert np.isnan(mins.rio.nodata) and mins.attrs["units"] == "minutes"
    np.testing.assert_array_equal(mins.values, tt.time_min)


def test_to_xarray_round_trips_through_rioxarray(small: dict[str, Any], tmp_path: Path) -> None:
    pytest.importorskip("rioxarray")
    import rasterio

    out = tmp_path / "classes.tif"
    small["result"].to_xarray().rio.to_raster(out)
    with rasterio.open(out) as src:
        assert src.crs.to_string() == "ESRI:54009" and src.nodata == 0
        np.testing.assert_array_equal(src.read(1), small["result"].level2)


def test_missing_extra_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("rioxarray", "folium"):
        monkeypatch.setitem(sys.modules, name, None)  # as if not installed
    with pytest.raises(ImportError, match=r"fua-toolkit\[xarray\]"):
        grid_to_xarray(np.zeros((2, 2)), T, "ESRI:54009", name="x")
    gdf = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)], crs="ESRI:54009")
    with pytest.raises(ImportError, match=r"fua-toolkit\[explore\]"):
        explore_layers([ExploreLayer("a", gdf, fua.outputs.styles.LAYER_STYLES["fua"])])


# ---------------------------------------------------------------- plots
def test_class_plot_uses_the_smod_colours(small: dict[str, Any]) -> None:
    result = small["result"]
    ax = result.plot()
    handles = ax.get_legend().legend_handles
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    present = sorted({int(c) for c in np.unique(result.level2)} - {0}, reverse=True)
    assert [int(s.split()[0]) for s in labels] == present
    first = handles[0].get_facecolor()
    assert tuple(round(c * 255) for c in first) == SMOD_L2_COLOURS[present[0]]
    (image,) = ax.get_images()
    assert image.get_extent() == [5_000_000, 5_030_000, 4_990_000, 5_010_000]
    matplotlib.pyplot.close("all")


def test_travel_time_plot_has_minute_classes(small: dict[str, Any]) -> None:
    ax = small["tt"].plot(title="minutes")
    (image,) = ax.get_images()
    assert list(image.norm.boundaries) == [0, 30, 60, 120, 240, 480, 960]
    assert ax.get_title() == "minutes"
    matplotlib.pyplot.close("all")


def test_plot_level_must_exist(small: dict[str, Any]) -> None:
    with pytest.raises(fua.ParameterError, match="level"):
        small["result"].plot(level=3)


# ---------------------------------------------------------------- explore
def test_explore_draws_the_layers_in_their_styles(small: dict[str, Any]) -> None:
    folium = pytest.importorskip("folium")
    m = small["fres"].explore()
    assert isinstance(m, folium.Map)
    page = m.get_root().render()
    for name in ("commuting zones", "cities", "FUAs"):
        assert name in page
    assert "#dc1414" in page  # the FUA cities' fill (QGIS style 220, 20, 20)
    m2 = small["result"].explore()
    page2 = m2.get_root().render()
    assert "urban centres" in page2 and "#ff0000" in page2  # the SMOD urban-centre red


# ---------------------------------------------------------------- the example notebook
@pytest.mark.slow
def test_example_notebook_runs_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    # any download attempt (requests, pooch, urllib) goes to a closed port and fails
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    monkeypatch.setenv("PYTHONPATH", str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})  # fmt: skip
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html_out = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("PopulationGrid" in h for h in html_out)
    assert any("FuaResult" in h for h in html_out)
    assert any("leaflet" in h.lower() for h in html_out), "the folium map"
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 2, "two plots"
