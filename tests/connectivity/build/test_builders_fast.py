"""The compiled builder steps give what the NumPy/GEOS steps they replace gave."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

import connectivity.build.lines as lines_module
from connectivity import RoadNetwork
from connectivity._segment_tree import build_tree, spatial_order
from connectivity.build._end_grid import build_end_grid, end_flags
from connectivity.build._vertex_groups import millimetre_keys
from connectivity.build.edges import fastest_directed_csr
from connectivity.build.lines import (
    _close_pairs,
    _millimetre_ranks,
    _nearest_other_segment,
    _oneway_loop,
    node_vertices,
    oneway_codes,
    snap_ends_to_segments,
)

UTM = "EPSG:32643"


def _csr_reference(n, u, v, oneway, columns):
    """The lexsort implementation of earlier versions."""
    back = ~oneway
    uu = np.concatenate([u, v[back]])
    vv = np.concatenate([v, u[back]])
    cols = {k: np.concatenate([a, a[back]]) for k, a in columns.items()}

    def take(index):
        nonlocal uu, vv
        uu, vv = uu[index], vv[index]
        for k, a in cols.items():
            cols[k] = a[index]

    take(uu != vv)
    take(np.lexsort((cols["time_min"], vv, uu)))
    first = np.ones(uu.size, bool)
    first[1:] = (uu[1:] != uu[:-1]) | (vv[1:] != vv[:-1])
    take(first)
    indptr = np.zeros(n + 1, dtype="int64")
    np.add.at(indptr, uu + 1, 1)
    return np.cumsum(indptr), vv, cols


@pytest.mark.parametrize("seed", range(5))
def test_csr_equals_the_lexsort_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = 300, 2000
    u, v = rng.integers(0, n, m), rng.integers(0, n, m)
    u[:100] = 7  # a hub (more than 32 edges in one row)
    u[100:150], v[100:150] = u[150:200], v[150:200]  # parallel edges
    time = rng.choice([1.0, 2.0, 3.0], m)  # many equal times: input order decides
    cols = {"time_min": time, "length_m": rng.random(m), "ids": np.arange(m)}
    oneway = rng.random(m) < 0.3
    got = fastest_directed_csr(n, u, v, oneway, cols)
    want = _csr_reference(n, u, v, oneway, cols)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    for k in cols:
        np.testing.assert_array_equal(got[2][k], want[2][k])


def _snap_reference(xy, part, tolerance_m, by_segment=False):
    """The STRtree choice of earlier versions: (end, segment, t) of the inserted vertices
    (``by_segment``: of segments at one distance, the first, as from_lines chooses)."""
    seg = np.flatnonzero(part[:-1] == part[1:])
    lines = shapely.linestrings(np.stack([xy[seg], xy[seg + 1]], axis=1))
    first = np.r_[True, part[1:] != part[:-1]]
    last = np.r_[part[1:] != part[:-1], True]
    ends = np.flatnonzero(first | last)
    pts = shapely.points(xy[ends])
    pi, si = shapely.STRtree(lines).query(pts, predicate="dwithin", distance=tolerance_m)
    other = part[seg[si]] != part[ends[pi]]
    pi, si = pi[other], si[other]
    dist = shapely.distance(pts[pi], lines[si])
    order = np.lexsort((si, dist, pi) if by_segment else (dist, pi))
    pi, si = pi[order], si[order]
    best = np.r_[True, pi[1:] != pi[:-1]]
    pi, si = pi[best], si[best]
    t = shapely.line_locate_point(lines[si], pts[pi], normalized=True)
    inner = (t > 1e-9) & (t < 1 - 1e-9)
    return pi[inner], si[inner], t[inner]


def _layer(seed: int, n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """Lines of 2-4 vertices plus stubs ending near (or exactly on) other lines."""
    rng = np.random.default_rng(seed)
    xy, part = [], []
    for p in range(n):
        k = rng.integers(2, 5)
        start = rng.uniform(0, 5000, 2)
        xy.append(start + np.cumsum(rng.normal(0, 200, (k, 2)), axis=0))
        part.append(np.full(k, p))
    xy_all, part_all = np.vstack(xy), np.concatenate(part)
    stubs = []
    for j in range(n // 3):
        i = rng.integers(0, xy_all.shape[0] - 1)
        f = rng.choice([0.0, 0.5, rng.random()])  # on a vertex, a midpoint, anywhere
        foot = xy_all[i] + f * (xy_all[i + 1] - xy_all[i])
        off = rng.normal(0, 0.5, 2) if j % 2 else np.zeros(2)
        stubs.append(np.stack([foot + off, foot + off + rng.normal(0, 300, 2)]))
    xy_all = np.vstack([xy_all, *stubs])
    part_all = np.r_[part_all, np.repeat(np.arange(n, n + len(stubs)), 2)]
    return xy_all, part_all


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("tolerance", [0.5, 1.0, 5.0])
def test_snap_ends_equals_the_strtree_reference(seed: int, tolerance: float) -> None:
    xy, part = _layer(seed)
    seg = np.flatnonzero(part[:-1] == part[1:])
    first = np.r_[True, part[1:] != part[:-1]]
    last = np.r_[part[1:] != part[:-1], True]
    ends = np.flatnonzero(first | last)
    pi, si, t = _nearest_other_segment(xy, part, seg, ends, tolerance)
    inner = (t > 1e-9) & (t < 1 - 1e-9)
    want = _snap_reference(xy, part, tolerance)
    assert want[0].size > 0
    for g, w in zip((pi[inner], si[inner], t[inner]), want, strict=True):
        np.testing.assert_array_equal(g, w)
    scale = np.ones(xy.shape[0] - 1)
    assert snap_ends_to_segments(xy, part, scale, tolerance)[3] == want[0].size


@pytest.mark.parametrize("seed", range(4))
def test_inserted_vertices_equal_np_insert(seed: int) -> None:
    """The one-pass insertion of T-junction vertices gives what ``np.insert`` of each
    array gave: several on one segment (in the order given), on the first and the
    last segment, each piece of a segment with its length factor."""
    rng = np.random.default_rng(seed)
    n = 200
    xy = rng.normal(0, 1000, (n, 2))
    part = np.sort(rng.integers(0, 40, n))
    scale = rng.uniform(0.9, 1.1, n - 1)
    seg = np.flatnonzero(part[:-1] == part[1:])
    a = np.sort(np.r_[rng.choice(seg, 25), seg[0], seg[-1], seg[-1], seg[3], seg[3], seg[3]])
    new_xy = rng.normal(0, 1000, (a.size, 2))
    want_xy = np.insert(xy, a + 1, new_xy, axis=0)
    want_part = np.insert(part, a + 1, part[a])
    want_scale = np.r_[scale, 1.0][np.insert(np.arange(n), a + 1, a)[:-1]]
    got = lines_module._with_vertices(xy, part, scale, a, new_xy)
    for g, w in zip(got, (want_xy, want_part, want_scale), strict=True):
        assert g.dtype == w.dtype
        np.testing.assert_array_equal(g, w)


def _noded_layer(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two-vertex lines of a perturbed lattice (ends shared at junctions), long lines
    passing exactly through junctions, and stubs ending near or on lines."""
    rng = np.random.default_rng(seed)
    g = 12
    node = np.stack(np.meshgrid(np.arange(g), np.arange(g)), -1).reshape(-1, 2) * 100.0
    node += rng.normal(0, 3, node.shape) * (rng.random((node.shape[0], 1)) < 0.5)
    a = np.r_[np.arange(g * g)[np.arange(g * g) % g < g - 1], np.arange(g * (g - 1))]
    b = np.r_[a[: g * (g - 1)] + 1, np.arange(g * (g - 1)) + g]
    xy = [np.stack([node[i], node[j]]) for i, j in zip(a, b, strict=True)]
    for _ in range(10):  # through a junction: the junction is inside a segment
        c = node[rng.integers(0, g * g)]
        d = rng.normal(0, 150, 2)
        xy.append(np.stack([c - d, c + d * rng.choice([1.0, 0.5, 2.0])]))
    for _ in range(30):  # dangling and T ends
        i = rng.integers(0, len(a))
        f = rng.choice([0.0, 0.5, rng.random()])
        foot = node[a[i]] + f * (node[b[i]] - node[a[i]])
        off = rng.choice([0.0, 0.3, 0.999999, 1.0, 1.000001]) * np.array([0.6, 0.8])
        xy.append(np.stack([foot + off, foot + rng.normal(0, 60, 2)]))
    return np.vstack(xy), np.repeat(np.arange(len(xy)), 2)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("tolerance", [0.5, 1.0, 5.0])
def test_snap_ends_skips_only_ends_without_an_insert(
    seed: int, tolerance: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settling only the flagged ends gives what settling every end gives."""
    for xy, part in (_noded_layer(seed), _layer(seed, 150)):
        scale = np.ones(xy.shape[0] - 1)
        got = snap_ends_to_segments(xy, part, scale, tolerance)
        with monkeypatch.context() as m:
            m.setattr(lines_module, "end_flags", lambda pts, *a: (np.ones(len(pts), bool),) * 2)
            want = snap_ends_to_segments(xy, part, scale, tolerance)
        assert want[3] > 0
        assert got[3] == want[3]
        for g, w in zip(got[:3], want[:3], strict=True):
            np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("tolerance", [0.5, 1.0, 5.0])
def test_end_grid_flags_equal_the_tree_flags(seed: int, tolerance: float) -> None:
    """The grid test of every line end gives the R-tree flag wherever it says it is sure."""
    for xy, part in (_noded_layer(seed), _layer(seed, 150)):
        seg = np.flatnonzero(part[:-1] == part[1:])
        ends = np.flatnonzero(
            np.r_[True, part[1:] != part[:-1]] | np.r_[part[1:] != part[:-1], True]
        )
        x0, y0, x1, y1 = xy[seg, 0], xy[seg, 1], xy[seg + 1, 0], xy[seg + 1, 1]
        segs = (x0, y0, x1 - x0, y1 - y0)
        pts = np.ascontiguousarray(xy[ends])
        radius = tolerance + lines_module._NEAR_M
        tree = build_tree(x0, y0, x1, y1)
        which = spatial_order(pts[:, 0], pts[:, 1], tree[4])
        args = (pts, part[ends], part[seg], segs)
        want = lines_module._ends_to_settle(*args, tree[:3], radius, which)
        seg4 = np.column_stack(segs)
        grid = build_end_grid(seg4, pts, radius)
        flag, sure = end_flags(*args[:3], seg4, grid, radius, lines_module._NEAR_M)
        assert want.any() and sure.mean() > 0.9
        np.testing.assert_array_equal(flag[sure], want[sure])


@pytest.mark.parametrize("r", [0.5, 1.0, 40.0])
def test_close_pairs_equal_the_kd_tree(r: float) -> None:
    rng = np.random.default_rng(3)
    pts = rng.uniform(0, 2000, (3000, 2))
    pts[::7] = pts[1::7][: pts[::7].shape[0]] + rng.normal(0, r / 2, (pts[::7].shape[0], 2))
    pts[::11, 0] = pts[1::11, 0][: pts[::11].shape[0]] + r  # at exactly r
    want = cKDTree(pts).query_pairs(r=r, output_type="ndarray")
    got = _close_pairs(pts, r)
    assert want.shape[0] > 0
    assert {tuple(p) for p in got} == {tuple(p) for p in want}
    assert got.shape == want.shape


def _z_order_key(qx: int, qy: int) -> int:
    """Morton code by bits, the plain reference: bit b of x at 2b, of y at 2b + 1."""
    return sum(((qx >> b) & 1) << (2 * b) | ((qy >> b) & 1) << (2 * b + 1) for b in range(32))


def test_millimetre_ranks_join_equal_millimetres_in_z_order() -> None:
    rng = np.random.default_rng(0)
    xy = rng.integers(-5000, 5000, (5000, 2)) * 1e-3 + 1e5
    xy[::3] = xy[1::3][: xy[::3].shape[0]] + 4e-4  # the same millimetre point
    q = np.round(xy / 1e-3).astype("int64")
    same = np.unique(q, axis=0, return_inverse=True)[1].ravel()
    rank = _millimetre_ranks(xy)
    # one rank per distinct millimetre point, and the other way round
    assert rank.max() + 1 == same.max() + 1
    pairs = np.unique(np.c_[rank, same], axis=0)
    assert pairs.shape[0] == same.max() + 1
    # ranks in the order of the points' Z-order codes
    lo = q.min(axis=0)
    z = np.array([_z_order_key(int(a), int(b)) for a, b in q - lo], dtype=object)
    first = np.unique(rank, return_index=True)[1]
    assert list(np.argsort(z[first].astype(np.uint64), kind="stable")) == list(range(first.size))
    # the far corner of a 4 000 km square still fits; wider layers go by rows
    wide = np.array([[0.0, 0.0], [4.0e6, 4.0e6], [4.0e6, 0.0], [0.0, 0.0]])
    assert millimetre_keys(wide)[1]
    np.testing.assert_array_equal(_millimetre_ranks(wide), [0, 2, 1, 0])
    wider = wide * 1.1
    assert not millimetre_keys(wider)[1]
    np.testing.assert_array_equal(_millimetre_ranks(wider), [0, 2, 1, 0])


@pytest.mark.parametrize(
    "values",
    [
        np.array(["yes", "no", "-1", "", "T", "both", "yes"], dtype=object),
        np.array([True, False, True]),
        np.array(["yes", None, np.nan, True, 1, -1, "-1"], dtype=object),
    ],
)
def test_oneway_codes_once_per_value(values: np.ndarray) -> None:
    np.testing.assert_array_equal(oneway_codes(values), _oneway_loop(values))


def test_from_lines_equals_from_edges() -> None:
    """Two-vertex lines at whole-metre nodes build the network of their edge list."""
    rng = np.random.default_rng(4)
    side = 30
    gx, gy = np.meshgrid(np.arange(side), np.arange(side))
    x = (gx * 500 + rng.integers(-100, 100, gx.shape)).ravel().astype(float)
    y = (gy * 500 + rng.integers(-100, 100, gy.shape)).ravel().astype(float)
    q = np.round(np.c_[x, y] / 1e-3).astype("int64")
    q -= q.min(axis=0)
    z = [_z_order_key(int(a), int(b)) for a, b in q]
    order = np.argsort(np.array(z, dtype=np.uint64))  # from_lines numbers nodes in Z order
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    ids = np.arange(side * side).reshape(side, side)
    u = np.r_[ids[:, :-1].ravel(), ids[:-1, :].ravel(), ids[:-1, :-1].ravel()[::7]]
    v = np.r_[ids[:, 1:].ravel(), ids[1:, :].ravel(), ids[1:, 1:].ravel()[::7]]
    m = u.size
    speed = rng.choice([30.0, 60.0, 90.0], m)
    oneway = rng.random(m) < 0.2
    lines = shapely.linestrings(np.stack([np.c_[x[u], y[u]], np.c_[x[v], y[v]]], axis=1))
    gdf = gpd.GeoDataFrame(
        {"kmh": speed, "oneway": np.where(oneway, "yes", "no")}, geometry=lines, crs=UTM
    )
    by_lines = RoadNetwork.from_lines(gdf, speed_col="kmh", oneway_col="oneway")
    by_edges = RoadNetwork.from_edges(
        x[order], y[order], rank[u], rank[v], crs=UTM, speed_kmh=speed, oneway=oneway,
        edge_source_ids=np.arange(m),
    )  # fmt: skip
    for name in ("x", "y", "indptr", "indices", "time_min", "length_m", "edge_source_ids"):
        np.testing.assert_array_equal(getattr(by_lines, name), getattr(by_edges, name))


def _tricky_layer(seed: int) -> gpd.GeoDataFrame:
    """The noded layer (T ends on, within and just past the tolerance of other lines'
    interiors, lines through junctions) plus ends a fraction of a millimetre (and a
    fraction of the tolerance) from junctions, multi-part rows, empty rows and one-way codes."""
    rng = np.random.default_rng(seed)
    xy, part = _noded_layer(seed)
    geoms = [shapely.LineString(xy[part == p]) for p in range(part.max() + 1)]
    junction = xy[::2][rng.integers(0, 100, 24)]
    for k, c in enumerate(junction):  # near-duplicates at the millimetre rule and within tolerance
        off = [0.0004, 0.0005, 0.0006, 0.0015, 0.4, 0.9][k % 6] * np.array([1.0, -0.5])
        geoms.append(shapely.LineString([c + off, c + rng.normal(0, 80, 2)]))
    multi = [shapely.MultiLineString(geoms[i : i + 3]) for i in range(0, 30, 3)]
    geoms = multi + geoms[30:] + [shapely.LineString(), None]
    codes = np.array(["yes", "no", "-1", None, "both", "T"], dtype=object)
    return gpd.GeoDataFrame(
        {"ow": codes[rng.integers(0, codes.size, len(geoms))], "kmh": rng.choice([20.0, 50.0], len(geoms))},
        geometry=geoms, crs=UTM,
    )  # fmt: skip


def _from_lines_reference(gdf: gpd.GeoDataFrame, tolerance_m: float) -> RoadNetwork:
    """from_lines written plainly: per-geometry loops, the STRtree snapping, np.unique
    millimetre cells (numbered in Z order), the k-d tree of cell means, connected components, np.add.at means."""
    rows, coords = [], []
    for r, g in enumerate(gdf.geometry):
        if g is None or g.is_empty:
            continue
        for p in getattr(g, "geoms", [g]):
            rows.append(r)
            coords.append(shapely.get_coordinates(p))
    part = np.repeat(np.arange(len(coords)), [len(c) for c in coords])
    xy = np.vstack(coords)
    seg = np.flatnonzero(part[:-1] == part[1:])
    _pi, si, t = _snap_reference(xy, part, tolerance_m, by_segment=True)
    inserted: dict[int, list[float]] = {}
    for s, f in zip(seg[si], t, strict=True):
        inserted.setdefault(int(s), []).append(float(f))
    new_xy, new_part = [], []
    for i in range(xy.shape[0]):
        new_xy.append(xy[i])
        new_part.append(part[i])
        for f in sorted(inserted.get(i, [])):
            new_xy.append(xy[i] + (xy[i + 1] - xy[i]) * f)
            new_part.append(part[i])
    xy, part = np.array(new_xy), np.array(new_part)
    q = np.round(xy / 1e-3).astype("int64")
    cells, inv = np.unique(q, axis=0, return_inverse=True)
    z = np.array([_z_order_key(int(a), int(b)) for a, b in cells - q.min(axis=0)], np.uint64)
    rank = np.empty(z.size, dtype=np.int64)
    rank[np.argsort(z)] = np.arange(z.size)  # distinct points in Z order
    inv = rank[inv.ravel()]
    n_u = inv.max() + 1
    pts = np.zeros((n_u, 2))
    np.add.at(pts, inv, xy)
    pts /= np.bincount(inv)[:, None]
    parts_of = [set() for _ in range(n_u)]
    for i, p in zip(inv, part, strict=True):
        parts_of[i].add(p)
    pairs = [
        (i, j)
        for i, j in cKDTree(pts).query_pairs(tolerance_m)
        if len(parts_of[i] | parts_of[j]) > 1
    ]
    i, j = np.array(pairs, dtype=int).reshape(-1, 2).T
    graph = sp.coo_matrix((np.ones(i.size), (i, j)), shape=(n_u, n_u))
    node = connected_components(graph, directed=False)[1][inv]
    node_xy = np.zeros((node.max() + 1, 2))
    np.add.at(node_xy, node, xy)
    node_xy /= np.bincount(node)[:, None]
    code = {"yes": 1, "T": 1, "-1": -1}
    u, v, row, length, ow = [], [], [], [], []
    for k in np.flatnonzero(part[:-1] == part[1:]):
        r = rows[part[k]]
        c = code.get(gdf["ow"].iloc[r], 0)
        u.append(node[k + 1] if c == -1 else node[k])
        v.append(node[k] if c == -1 else node[k + 1])
        row.append(r)
        length.append(np.hypot(*(xy[k + 1] - xy[k])))
        ow.append(c != 0)
    row = np.array(row)
    return RoadNetwork.from_edges(
        node_xy[:, 0], node_xy[:, 1], u, v, crs=UTM, speed_kmh=gdf["kmh"].to_numpy()[row],
        length_m=length, oneway=ow, edge_source_ids=row,
    )  # fmt: skip


_NETWORK_ARRAYS = "x y indptr indices time_min length_m road_class edge_source_ids".split()


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("tolerance", [0.5, 1.0])
@pytest.mark.parametrize("multi", [True, False])
def test_from_lines_equals_the_plain_reference(seed: int, tolerance: float, multi: bool) -> None:
    gdf = _tricky_layer(seed)
    if not multi:  # LineStrings, empty and missing rows only
        gdf = gdf[shapely.get_type_id(gdf.geometry.values) != 5].reset_index(drop=True)
    got = RoadNetwork.from_lines(gdf, speed_col="kmh", oneway_col="ow", snap_tolerance_m=tolerance)
    want = _from_lines_reference(gdf, tolerance)
    assert got.meta["n_t_junctions"] > 0
    for name in _NETWORK_ARRAYS:
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name), err_msg=name)


@pytest.mark.parametrize("tolerance", [0.5, 2.0])
def test_node_vertices_count_chained_junctions(tolerance: float) -> None:
    """Staggered vertices of two near-parallel lines chain into one junction spread far
    wider than the tolerance (counted); the junctions of a noded lattice beside them
    are not: the count is that of every vertex's distance to its junction's mean."""
    step = np.arange(40) * 1.2 * tolerance
    near_parallel = [
        np.c_[step, np.zeros(40)],
        np.c_[step + 0.6 * tolerance, np.full(40, 0.3 * tolerance)],
    ]
    xy, part = _noded_layer(3)
    xy = np.vstack([xy + 1e4, *near_parallel])
    part = np.r_[part, part.max() + np.repeat([1, 2], 40)]
    node, node_xy, n_chained = node_vertices(xy, part, tolerance)
    spread = np.hypot(*(xy - node_xy[node]).T)
    assert n_chained == np.unique(node[spread > 2 * tolerance]).size == 1
    assert np.unique(node[-80:]).size == 1  # both lines in one junction
