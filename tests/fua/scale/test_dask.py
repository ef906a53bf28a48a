"""Tile aggregation (fua.aggregate_tiles) and batch accessibility on Dask LocalClusters."""

import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from scipy.sparse.csgraph import dijkstra

from connectivity import RoadNetwork
from connectivity.measures.batch import batch_networks, batch_origins
from fua import DataError, OutputExistsError, ParameterError, read_population
from fua.scale.distributed import aggregate_tiles
from tests._fua_fixtures import write_tif

distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed")

MOLL = "ESRI:54009"


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    )
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture
def fine(tmp_path):
    """A 100 m grid of 230 x 340 cells cut into 2 x 3 tiles (uneven, not on 1 km edges)."""
    rng = np.random.default_rng(5)
    pop = rng.exponential(3.0, (230, 340))
    pop[rng.random(pop.shape) < 0.03] = -99.0  # no data
    t = Affine(100.0, 0, 500_000.0, 0, -100.0, 6_003_000.0)
    whole = write_tif(tmp_path / "whole.tif", pop, t, nodata=-99.0)
    paths = []
    for i, (r0, r1) in enumerate([(0, 117), (117, 230)]):
        for j, (c0, c1) in enumerate([(0, 95), (95, 213), (213, 340)]):
            tt = t @ Affine.translation(c0, r0)
            paths.append(
                write_tif(tmp_path / f"t{i}{j}.tif", pop[r0:r1, c0:c1].copy(), tt, nodata=-99.0)
            )
    return {"pop": pop, "whole": whole, "tiles": paths}


def test_mosaic_of_tiles_equals_one_file_and_conserves_people(fine):
    ref = read_population(fine["whole"])
    got = aggregate_tiles(fine["tiles"])
    pop = fine["pop"]
    total = pop[pop >= 0].sum()
    assert got.shape == ref.shape and got.transform == ref.transform
    assert got.total_population == pytest.approx(total, rel=1e-12)
    np.testing.assert_allclose(got.pop, ref.pop, rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(got.valid, ref.valid)


def test_local_cluster_gives_the_same_mosaic(fine, client, monkeypatch):
    import fua.scale.distributed as fd

    monkeypatch.setattr(fd, "PIECE_CELLS", 2_000)  # many pieces per tile
    monkeypatch.setattr(fd, "BAND_ROWS", 4)  # many bands
    serial = aggregate_tiles(fine["tiles"])
    dist = aggregate_tiles(fine["tiles"], client=client)
    np.testing.assert_allclose(dist.pop, serial.pop, rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(dist.valid, serial.valid)
    # by scheduler address, written to a GeoTIFF
    out = aggregate_tiles(
        fine["tiles"], client=client.scheduler.address, out=fine["whole"].parent / "agg.tif"
    )
    with rasterio.open(out) as src:
        arr = src.read(1)
        assert src.transform == serial.transform
    np.testing.assert_allclose(np.where(arr == -200.0, 0.0, arr), serial.pop, rtol=1e-12, atol=1e-9)
    assert ((arr == -200.0) == ~serial.valid).all()


def test_local_process_cluster_by_name(fine):
    got = aggregate_tiles(fine["tiles"][:2], client="local", n_workers=2)
    pop = fine["pop"]
    part = pop[:117, :213]
    assert got.total_population == pytest.approx(part[part >= 0].sum(), rel=1e-12)


# rasterio may warn that the in-memory source of a MEM -> MEM reproject has no
# geotransform when it runs on a dask worker thread after another cluster ran
# (known and spurious: opendatacube/odc-geo#131); both transforms are passed, and
# the totals below check the result
@pytest.mark.filterwarnings(
    "ignore:Dataset has no geotransform:rasterio.errors.NotGeoreferencedWarning"
)
def test_reprojected_tiles_conserve_each_tile(tmp_path, client):
    rng = np.random.default_rng(1)
    paths, total = [], 0.0
    for k in range(3):  # three 0.01° WorldPop-like tiles in EPSG:4326
        pop = rng.exponential(10.0, (90, 120))
        total += pop.sum()
        t = Affine(0.01, 0, 66.0 + 1.2 * k, 0, -0.01, 48.0)
        paths.append(write_tif(tmp_path / f"w{k}.tif", pop, t, crs="EPSG:4326"))
    got = aggregate_tiles(paths, client=client)
    assert got.total_population == pytest.approx(total, rel=1e-12)
    assert got.crs.to_string() == "ESRI:54009" and got.cell_size_m == 1000.0


def test_aggregate_tiles_errors(fine, tmp_path):
    with pytest.raises(ParameterError, match="no population tiles"):
        aggregate_tiles([])
    bad = np.ones((20, 20))
    bad[3, 4] = -5.0
    p = write_tif(tmp_path / "bad.tif", bad, Affine(100.0, 0, 0, 0, -100.0, 0))
    with pytest.raises(DataError, match="negative"):
        aggregate_tiles([p])
    out = aggregate_tiles(fine["tiles"][:1], out=tmp_path / "a.tif")
    with pytest.raises(OutputExistsError):
        aggregate_tiles(fine["tiles"][:1], out=out)
    with pytest.raises(ParameterError, match="client"):
        aggregate_tiles(fine["tiles"][:1], client=3)


def test_aggregate_tiles_refuses_to_count_people_twice(fine, tmp_path):
    # the same tile twice (by another spelling of its path), or tiles that overlap
    t0 = fine["tiles"][0]
    with pytest.raises(ParameterError, match="more than once"):
        aggregate_tiles([t0, t0.parent / "." / t0.name])
    pop = fine["pop"]
    t = Affine(100.0, 0, 500_000.0, 0, -100.0, 6_003_000.0)
    left = write_tif(tmp_path / "left.tif", pop[:, :200].copy(), t, nodata=-99.0)
    right = write_tif(
        tmp_path / "right.tif", pop[:, 150:].copy(), t @ Affine.translation(150, 0), nodata=-99.0
    )
    with pytest.raises(DataError, match=r"1 pair\(s\) of tiles overlap.*\(115 km²\)"):
        aggregate_tiles([left, right])
    # tiles that share an edge are fine (the fixture's six tiles)
    assert aggregate_tiles(fine["tiles"]).total_population == pytest.approx(pop[pop >= 0].sum())


# -- batch accessibility -----------------------------------------------------------------------


def grid_network(n, *, x0=0.0, speed=60.0, crs="EPSG:32642"):
    """An n x n lattice with 1 km links."""
    ii, jj = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    x = (x0 + jj.ravel() * 1000.0).astype(float)
    y = (ii.ravel() * 1000.0).astype(float)
    idx = np.arange(n * n).reshape(n, n)
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    return RoadNetwork.from_edges(x, y, u, v, crs=crs, speed_kmh=speed)


def nearest_time(net, origins, destinations):
    """Minutes from each origin node to its nearest destination node (scipy Dijkstra)."""
    d = dijkstra(
        net.csr("time_min"), directed=True, indices=np.asarray(destinations), min_only=True
    )
    nodes = np.asarray(origins)
    return pd.DataFrame({"node": nodes, "time_min": d[nodes]}, index=pd.Index(nodes, name="origin"))


def test_batch_networks_one_task_per_country(client):
    nets = {"KZ": grid_network(6), "KG": grid_network(4, speed=30.0)}
    origins = {"KZ": np.array([0, 5, 35]), "KG": np.array([0, 15])}
    dests = {"KZ": np.array([0]), "KG": np.array([15])}
    serial = batch_networks(nets, origins, dests, func=nearest_time)
    dist = batch_networks(nets, origins, dests, func=nearest_time, client=client)
    pd.testing.assert_frame_equal(dist, serial)
    # 1 km at 60 km/h is 1 minute; at 30 km/h, 2 minutes
    assert serial.loc[("KZ", 35), "time_min"] == pytest.approx(10.0)
    assert serial.loc[("KG", 0), "time_min"] == pytest.approx(12.0)
    assert list(serial.index.get_level_values("batch")) == ["KZ"] * 3 + ["KG"] * 2


def test_batch_networks_loads_networks_on_workers(client):
    nets = {"a": lambda: grid_network(3), "b": lambda: grid_network(5)}
    out = batch_networks(
        nets,
        {"a": np.arange(9), "b": np.arange(25)},
        np.array([0]),
        func=nearest_time,
        client=client,
    )
    assert len(out) == 34 and out.loc[("b", 24), "time_min"] == pytest.approx(8.0)


def test_batch_origins_equals_single_run(client):
    net = grid_network(12)
    origins = np.arange(net.n_nodes)
    dests = np.array([7, 100])
    single = nearest_time(net, origins, dests)
    chunked = batch_origins(net, origins, dests, chunk_size=17, func=nearest_time, client=client)
    pd.testing.assert_frame_equal(chunked, single)
    here = batch_origins(net, origins, dests, chunk_size=50, func=nearest_time)
    pd.testing.assert_frame_equal(here, single)
    assert len(chunked.attrs["batches"]) == int(np.ceil(net.n_nodes / 17))


def test_batch_errors():
    net = grid_network(3)
    with pytest.raises(ParameterError, match="no origins"):
        batch_networks({"a": net}, {}, np.array([0]), func=nearest_time)
    with pytest.raises(ParameterError, match="no destinations"):
        batch_networks({"a": net}, {"a": np.array([0])}, {"b": 1}, func=nearest_time)
    with pytest.raises(ParameterError, match="chunk_size"):
        batch_origins(net, np.arange(3), np.array([0]), chunk_size=0, func=nearest_time)
    with pytest.raises(ParameterError, match="empty"):
        batch_origins(net, np.arange(0), np.array([0]), func=nearest_time)


def test_batch_origins_with_time_to_nearest_equals_single_run(client):
    gpd = pytest.importorskip("geopandas")
    shapely = pytest.importorskip("shapely")
    from connectivity import OriginSet, time_to_nearest

    net = grid_network(8, crs="EPSG:32643")
    rng = np.random.default_rng(2)
    xy = rng.uniform(0, 7000, (60, 2))
    origins = gpd.GeoDataFrame(
        {"k": np.arange(60)},
        geometry=shapely.points(xy),
        crs="EPSG:32643",
        index=np.arange(100, 160),
    )
    dests = gpd.GeoDataFrame(
        {"name": ["a", "b"]}, geometry=shapely.points([(0, 0), (7000, 7000)]), crs="EPSG:32643"
    )
    kw = {"dest_id_col": "name", "max_snap_m": 1000.0}
    single = time_to_nearest(net, origins, dests, **kw)
    chunked = batch_origins(net, origins, dests, chunk_size=25, client=client, **kw)
    assert list(chunked.index) == list(origins.index)
    pd.testing.assert_series_equal(chunked["time_min"], single["time_min"])
    assert (chunked["nearest_id"] == single["nearest_id"]).all()
    # an OriginSet is cut into chunks without snapping again, on the workers too
    snapped = OriginSet.from_points(net, origins, max_snap_m=1000.0)
    from_set = batch_origins(net, snapped, dests, chunk_size=25, client=client, **kw)
    pd.testing.assert_series_equal(from_set["time_min"], single["time_min"])
    by_country = batch_networks({"KZ": net}, {"KZ": origins}, dests, **kw)
    np.testing.assert_allclose(by_country.loc["KZ", "time_min"], single["time_min"])
