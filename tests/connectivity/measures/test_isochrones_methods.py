"""Grid and buffer isochrones against the reached road pieces computed with networkx."""

from __future__ import annotations

import itertools
import logging
import sys

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely

from connectivity import ParameterError, RoadNetwork
from connectivity.measures import _isochrone_grid as grid_kernels
from connectivity.measures.isochrones import isochrones

iso_module = sys.modules["connectivity.measures.isochrones"]

UTM = "EPSG:32643"
R = 100.0  # buffer_m
CELL = 50.0  # the default cell: R / 2


def _network(seed: int, side: int = 9, oneway_share: float = 0.2) -> RoadNetwork:
    """A perturbed grid, 1 km apart, with random speeds, some diagonals and one-ways."""
    rng = np.random.default_rng(seed)
    gx, gy = np.meshgrid(np.arange(side) * 1000.0, np.arange(side) * 1000.0)
    x = (gx + rng.normal(0, 150, gx.shape)).ravel()
    y = (gy + rng.normal(0, 150, gy.shape)).ravel()
    ids = np.arange(side * side).reshape(side, side)
    u = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel(), ids[:-1, :-1].ravel()[::3]])
    v = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel(), ids[1:, 1:].ravel()[::3]])
    speed = rng.choice([20.0, 30.0, 60.0], u.size)
    oneway = rng.random(u.size) < oneway_share
    return RoadNetwork.from_edges(x, y, u, v, crs=UTM, speed_kmh=speed, oneway=oneway)


def _nx_pieces(net: RoadNetwork, node: int, t: float, *, reverse: bool) -> shapely.Geometry:
    """The road pieces reached within ``t`` from (``reverse``: to) ``node``, by networkx."""
    tails, heads = net.edge_tails(), net.indices.astype("int64")
    g = nx.DiGraph()
    g.add_nodes_from(range(net.n_nodes))
    near, far = (heads, tails) if reverse else (tails, heads)
    for a, b, w in zip(near.tolist(), far.tolist(), net.time_min.tolist(), strict=True):
        g.add_edge(a, b, weight=w)
    times = nx.single_source_dijkstra_path_length(g, node, cutoff=t)
    lines = [shapely.Point(net.x[node], net.y[node])]
    for a, b, w in zip(near.tolist(), far.tolist(), net.time_min.tolist(), strict=True):
        if a in times and times[a] < t:
            f = min(1.0, (t - times[a]) / w) if w > 0 else 1.0
            x0, y0 = net.x[a], net.y[a]
            x1, y1 = x0 + f * (net.x[b] - x0), y0 + f * (net.y[b] - y0)
            lines.append(shapely.LineString([(x0, y0), (x1, y1)]))
    return shapely.union_all(lines)


def _at_node(net: RoadNetwork, node: int) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[shapely.Point(net.x[node], net.y[node])], crs=UTM)


@pytest.mark.parametrize(("seed", "reverse"), [(0, False), (1, True), (2, False)])
def test_grid_is_the_band_around_the_networkx_pieces(seed, reverse):
    net = _network(seed)
    node = 40
    thr = (2.0, 3.5, 6.0)
    iso = isochrones(net, _at_node(net, node), thr, fill_holes_m2=0, reverse=reverse)
    assert iso.attrs["method"] == "auto" and iso.attrs["cell_m"] == CELL
    assert iso.attrs["drawn_by"] == {"grid": 1, "buffer": 0}
    for t, poly in zip(thr, iso.geometry, strict=True):
        assert poly.is_valid and not poly.is_empty
        pieces = _nx_pieces(net, node, t, reverse=reverse)
        # a cell counts when its centre is within R of a piece: the polygon lies
        # within R + a cell diagonal (plus closed diagonal gaps) and covers R - half a diagonal
        assert poly.difference(pieces.buffer(R + 2 * CELL)).area == 0
        assert pieces.buffer(R - CELL * 0.71, quad_segs=16).difference(poly).area < 1e-3
        # ...and its area is that of the exact band, up to the cell staircase
        assert poly.area == pytest.approx(pieces.buffer(R).area, rel=0.06)


@pytest.mark.parametrize("reverse", [False, True])
def test_buffer_method_is_the_exact_buffer_of_the_networkx_pieces(reverse):
    net = _network(3)
    thr = (2.0, 4.0)
    iso = isochrones(net, _at_node(net, 30), thr, method="buffer", fill_holes_m2=0, reverse=reverse)
    assert iso.attrs["method"] == "buffer" and iso.attrs["cell_m"] is None
    for t, poly in zip(thr, iso.geometry, strict=True):
        exact = _nx_pieces(net, 30, t, reverse=reverse).buffer(R, quad_segs=4)
        assert poly.symmetric_difference(exact).area < 1.0


def test_grid_and_buffer_agree_and_bands_nest():
    net = _network(4, side=12)
    rng = np.random.default_rng(4)
    src = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(rng.uniform(0, 11_000, 3), rng.uniform(0, 11_000, 3)),
        crs=UTM,
    )
    thr = (3, 5, 8, 60)
    kw = {"max_snap_m": 2000, "offroad_speed_kmh": 10}
    grid = isochrones(net, src, thr, **kw)
    exact = isochrones(net, src, thr, method="buffer", **kw)
    for g, e in zip(grid.geometry, exact.geometry, strict=True):
        # the same area; the 50 m staircase along 200 m wide bands costs ~10 % IoU
        assert g.area == pytest.approx(e.area, rel=0.03)
        assert shapely.intersection(g, e).area / shapely.union(g, e).area > 0.85
    for _, one in grid.groupby(grid.index // len(thr)):
        for small, big in itertools.pairwise(one.geometry):
            assert big.contains(small) and big.area >= small.area
    # 60 min reaches the whole network: a band equal to the smaller one is reused
    whole = isochrones(net, src.iloc[:1], (55, 60), **kw).geometry
    assert whole.iloc[1] is whole.iloc[0]


def test_combined_grid_is_the_union_of_the_sources():
    net = _network(5)
    src = gpd.GeoDataFrame(geometry=[shapely.Point(1000, 1000), shapely.Point(7000, 7000)], crs=UTM)
    one = isochrones(net, src, (3,), max_snap_m=1000, fill_holes_m2=0)
    both = isochrones(net, src, (3,), combine=True, max_snap_m=1000, fill_holes_m2=0)
    union = shapely.union(one.geometry.iloc[0], one.geometry.iloc[1])
    # the same cells up to the closing of diagonal gaps where the two areas meet
    assert both.geometry.iloc[0].symmetric_difference(union).area <= 4 * CELL**2


def test_large_areas_get_larger_cells(monkeypatch, caplog):
    net = _network(6)
    monkeypatch.setattr(iso_module, "MAX_GRID_CELLS", 2_000)
    with caplog.at_level(logging.WARNING):
        iso = isochrones(net, _at_node(net, 40), (30,), fill_holes_m2=0)
    assert "too large" in caplog.text
    cell = iso.attrs["cell_m"]
    assert cell > R * 1.5
    # no node falls between cell centres although cells are wider than the band
    assert shapely.contains_xy(iso.geometry.iloc[0], net.x, net.y).all()


def test_buffer_method_keeps_one_way_edges_against_the_node_order():
    # 4 -> 3 -> 2 -> 1 -> 0, one-way; before the fix, 3-2 and 2-1 were dropped as
    # if they were the twins of edges in the other direction
    x = np.arange(5) * 1000.0
    net = RoadNetwork.from_edges(
        x, np.zeros(5), [4, 3, 2, 1], [3, 2, 1, 0], crs=UTM, speed_kmh=60.0, oneway=True
    )
    for method in ("buffer", "grid"):
        poly = isochrones(net, _at_node(net, 4), (4,), method=method).geometry.iloc[0]
        assert shapely.contains_xy(poly, [3500, 2500, 1500, 500], 0).all()


def test_auto_buffers_sparse_roads_over_a_large_area():
    # a 300 km zigzag road at 100 km/h: 3 pieces, a grid of 8 M cells of 50 m
    x = np.array([0.0, 100_000.0, 100_000.0, 200_000.0])
    y = np.array([0.0, 0.0, 100_000.0, 100_000.0])
    net = RoadNetwork.from_edges(x, y, [0, 1, 2], [1, 2, 3], crs=UTM, speed_kmh=100.0)
    auto = isochrones(net, _at_node(net, 0), (60, 180))
    assert auto.attrs["drawn_by"] == {"grid": 0, "buffer": 1} and auto.attrs["cell_m"] is None
    exact = isochrones(net, _at_node(net, 0), (60, 180), method="buffer")
    assert list(auto.geometry.to_wkb()) == list(exact.geometry.to_wkb())
    assert auto.geometry.iloc[1].contains(shapely.Point(190_000, 100_000))
    # a city-like network stays on the grid
    city = isochrones(_network(8), _at_node(_network(8), 40), (60,))
    assert city.attrs["drawn_by"] == {"grid": 1, "buffer": 0}


def test_bad_method_and_cell():
    net = _network(7)
    with pytest.raises(ParameterError, match="method"):
        isochrones(net, _at_node(net, 0), (5,), method="hull")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="cell_m"):
        isochrones(net, _at_node(net, 0), (5,), cell_m=-1)


@pytest.mark.parametrize("seed", range(5))
def test_mask_polygon_is_exactly_the_cells(seed):
    rng = np.random.default_rng(seed)
    mask = rng.random((30, 40)) < 0.55
    mask[[0, -1]] = False
    mask[:, [0, -1]] = False
    closed = grid_kernels.without_saddles(mask)
    assert (closed >= mask).all()
    block = closed[:-1, :-1], closed[:-1, 1:], closed[1:, :-1], closed[1:, 1:]
    assert not ((block[0] == block[3]) & (block[1] == block[2]) & (block[0] != block[1])).any()
    poly = grid_kernels.mask_polygon(closed, (500.0, 2000.0), 10.0)
    assert poly.is_valid
    assert poly.area == pytest.approx(closed.sum() * 100.0)
    rows, cols = np.indices(closed.shape)
    cx, cy = 500.0 + (cols + 0.5) * 10.0, 2000.0 - (rows + 0.5) * 10.0
    np.testing.assert_array_equal(shapely.contains_xy(poly, cx, cy), closed)
