"""Snapping points to the nearest road segment."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from connectivity import CRSError, DataError, ParameterError, RoadNetwork
from connectivity.snapping import segment_index, snap_points, snap_xy

UTM = "EPSG:32643"  # UTM 43N (Almaty)


def _net(x, y, u, v, *, oneway=False, speed=60.0):
    return RoadNetwork.from_edges(
        np.asarray(x, float), np.asarray(y, float), u, v, crs=UTM, speed_kmh=speed, oneway=oneway
    )


def test_foot_of_perpendicular_and_fraction():
    net = _net([0, 1000], [0, 0], [0], [1])
    s = snap_xy(net, [300.0, 1200.0, -50.0], [40.0, 0.0, -30.0])
    np.testing.assert_allclose(s.frac, [0.3, 1.0, 0.0])
    np.testing.assert_allclose(s.dist_m, [40.0, 200.0, np.hypot(50, 30)])
    np.testing.assert_allclose(s.snap_x, [300.0, 1000.0, 0.0])
    np.testing.assert_allclose(s.snap_y, [0.0, 0.0, 0.0])
    assert set(zip(s.node_a, s.node_b, strict=True)) == {(0, 1)}


def test_diagonal_segment_and_nearest_of_several():
    # a diagonal and a far horizontal segment; the point's nearest is the diagonal
    net = _net([0, 1000, 0, 1000], [0, 1000, 3000, 3000], [0, 2], [1, 3])
    s = snap_xy(net, [0.0], [1000.0])
    assert (s.node_a[0], s.node_b[0]) == (0, 1)
    assert s.frac[0] == pytest.approx(0.5)
    assert s.dist_m[0] == pytest.approx(np.sqrt(2) * 500)
    assert (s.snap_x[0], s.snap_y[0]) == pytest.approx((500.0, 500.0))


def test_offroad_time_and_max_snap_reason():
    net = _net([0, 1000], [0, 0], [0], [1])
    s = snap_xy(net, [500.0, 500.0], [100.0, 2500.0], max_snap_m=1000, offroad_speed_kmh=6.0)
    # 6 km/h = 100 m/min
    assert s.offroad_min[0] == pytest.approx(1.0)
    assert list(s.ok) == [True, False]
    assert s.n_beyond == 1
    reasons = s.reason()
    assert reasons[0] == ""
    assert reasons[1] == "beyond max_snap_m (2500 m from nearest road)"


def test_legs_respect_oneway():
    # one-way 0 -> 1, 1 km at 60 km/h = 1 min
    net = _net([0, 1000], [0, 0], [0], [1], oneway=True)
    s = snap_xy(net, [250.0], [0.0])
    nodes, cost = s.entry_legs()
    assert list(nodes[0]) == [0, 1]
    assert cost[0, 0] == np.inf  # cannot drive back to node 0
    assert cost[0, 1] == pytest.approx(0.75)
    nodes, cost = s.exit_legs()
    assert cost[0, 0] == pytest.approx(0.25)  # reached from node 0
    assert cost[0, 1] == np.inf


def test_point_on_node_of_oneway_edge_enters_at_that_node():
    net = _net([0, 1000], [0, 0], [0], [1], oneway=True)
    s = snap_xy(net, [0.0], [0.0])
    _, cost = s.entry_legs()
    assert cost[0, 0] == 0.0  # standing on node 0 costs nothing there


def test_missing_geometry_is_unusable_with_reason():
    net = _net([0, 1000], [0, 0], [0], [1])
    s = snap_xy(net, [np.nan, 10.0], [np.nan, 0.0])
    assert list(s.ok) == [False, True]
    assert s.reason()[0] == "missing or empty geometry"
    assert s.n_beyond == 0


def test_layer_crs_reprojected_and_missing_crs_raises():
    net = _net([500_000, 501_000], [4_800_000, 4_800_000], [0], [1])
    pts = gpd.GeoDataFrame(geometry=[shapely.Point(500_400, 4_800_030)], crs=UTM, index=[7])
    s_utm = snap_points(net, pts)
    s_ll = snap_points(net, pts.to_crs("EPSG:4326"))
    assert list(s_ll.index) == [7]
    assert s_ll.dist_m[0] == pytest.approx(s_utm.dist_m[0], abs=1e-3)
    with pytest.raises(CRSError, match="set_crs"):
        snap_points(net, pts.set_crs(None, allow_override=True))


def test_polygons_use_centroid_or_representative_point():
    net = _net([0, 1000], [0, 0], [0], [1])
    # a U-shaped polygon whose centroid is outside it
    u_shape = shapely.Polygon(
        [(0, 100), (300, 100), (300, 400), (200, 400), (200, 200), (100, 200), (100, 400), (0, 400)]
    )
    layer = gpd.GeoDataFrame(geometry=[u_shape], crs=UTM)
    c = snap_points(net, layer, polygon_point="centroid")
    r = snap_points(net, layer, polygon_point="representative")
    cx = u_shape.centroid
    assert c.x[0] == pytest.approx(cx.x) and c.y[0] == pytest.approx(cx.y)
    assert u_shape.contains(shapely.Point(r.x[0], r.y[0]))
    with pytest.raises(ParameterError):
        snap_points(net, layer, polygon_point="middle")  # type: ignore[arg-type]


def test_bad_parameters_and_inputs():
    net = _net([0, 1000], [0, 0], [0], [1])
    with pytest.raises(ParameterError, match="offroad_speed_kmh"):
        snap_xy(net, [0.0], [0.0], offroad_speed_kmh=0)
    with pytest.raises(ParameterError, match="max_snap_m"):
        snap_xy(net, [0.0], [0.0], max_snap_m=float("nan"))
    with pytest.raises(DataError, match="GeoDataFrame"):
        snap_points(net, [(0, 0)])


def test_lines_and_collections_are_refused_one_point_multipoints_taken():
    net = _net([0, 1000], [0, 0], [0], [1])
    lines = gpd.GeoDataFrame(
        geometry=[shapely.Point(5, 5), shapely.LineString([(0, 10), (500, 10)])],
        crs=UTM, index=["p", "road"],
    )  # fmt: skip
    with pytest.raises(DataError, match=r"points or polygons; 1 are LineString \(index 'road'\)"):
        snap_points(net, lines, name="origins")
    two = gpd.GeoDataFrame(geometry=[shapely.MultiPoint([(0, 5), (900, 5)])], crs=UTM)
    with pytest.raises(DataError, match="MultiPoint"):
        snap_points(net, two)
    one = gpd.GeoDataFrame(geometry=[shapely.MultiPoint([(300, 5)])], crs=UTM)
    assert snap_points(net, one).x[0] == 300.0
    empty = gpd.GeoDataFrame(geometry=[shapely.LineString(), None], crs=UTM)  # no point: NaN
    with pytest.raises(DataError, match="LineString"):
        snap_points(net, empty)
    assert list(snap_points(net, empty.iloc[1:]).reason()) == ["missing or empty geometry"]


def test_nan_or_infinite_coordinates_are_refused_naming_them():
    net = _net([0, 1000], [0, 0], [0], [1])
    pts = gpd.GeoDataFrame(
        geometry=[shapely.Point(5, 5), shapely.Point(np.nan, 3), shapely.Point(np.inf, 0)],
        crs=UTM, index=["ok", "nan", "inf"],
    )  # fmt: skip
    with pytest.raises(DataError, match=r"2 of the 3 origins \(index 'nan', 'inf'\) have NaN"):
        snap_points(net, pts, name="origins")


def test_coordinates_that_cannot_be_in_their_crs_are_refused():
    net = _net([500_000, 501_000], [4_800_000, 4_800_000], [0], [1])
    metres = gpd.GeoDataFrame(geometry=[shapely.Point(500_400, 4_800_030)], crs="EPSG:4326")
    with pytest.raises(CRSError, match="are they really in EPSG:4326"):
        snap_points(net, metres, name="origins")


def _brute_force(net, px, py):
    si = segment_index(net)
    ax, ay, bx, by = si.ax, si.ay, si.ax + si.dx, si.ay + si.dy
    lines = shapely.linestrings(np.stack([np.stack([ax, bx], 1), np.stack([ay, by], 1)], 2))
    return shapely.distance(shapely.points(px, py)[:, None], lines[None, :]).min(axis=1)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n_long=st.integers(0, 5))
def test_nearest_segment_is_exact(seed, n_long):
    """The k-d tree with its certificate finds the true nearest segment."""
    rng = np.random.default_rng(seed)
    n = 60
    x = rng.uniform(0, 5000, n)
    y = rng.uniform(0, 5000, n)
    u = rng.integers(0, n, 80)
    v = rng.integers(0, n, 80)
    # long straight roads make the certificate work hard for far points
    lu = np.arange(n_long)
    x[lu] = -20_000.0
    y[lu + n_long] = 30_000.0
    u = np.concatenate([u, lu])
    v = np.concatenate([v, lu + n_long])
    keep = u != v
    net = _net(x, y, u[keep], v[keep])
    px = rng.uniform(-30_000, 40_000, 300)
    py = rng.uniform(-30_000, 40_000, 300)
    s = snap_xy(net, px, py, max_snap_m=np.inf)
    np.testing.assert_allclose(s.dist_m, _brute_force(net, px, py), rtol=1e-9, atol=1e-6)
    # the snapped point lies on the reported segment at the reported fraction
    si = segment_index(net)
    np.testing.assert_allclose(
        np.hypot(px - s.snap_x, py - s.snap_y), s.dist_m, rtol=1e-9, atol=1e-6
    )
    seg = s.seg
    np.testing.assert_allclose(s.snap_x, si.ax[seg] + s.frac * si.dx[seg])


def test_radius_fallback_is_exact():
    """With a useless certificate every point takes the radius-query fallback."""
    import dataclasses

    rng = np.random.default_rng(3)
    n = 300
    x, y = rng.uniform(0, 5000, n), rng.uniform(0, 5000, n)
    u, v = rng.integers(0, n, 1500), rng.integers(0, n, 1500)
    keep = u != v
    net = _net(x, y, u[keep], v[keep])
    si = dataclasses.replace(segment_index(net), half_piece_m=1e9)
    px, py = rng.uniform(-1000, 6000, 50), rng.uniform(-1000, 6000, 50)
    _seg, _frac, dist = si._kd_nearest(px, py)
    np.testing.assert_allclose(dist, _brute_force(net, px, py), rtol=1e-9, atol=1e-6)
