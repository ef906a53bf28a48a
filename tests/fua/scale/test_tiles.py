"""Tiled labelling, antimeridian wrap-around and the file-to-file Degree of Urbanisation."""

import functools
import json
from collections import deque

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from rasterio.features import rasterize

import fua.scale.tiles as tiles
import fua.scale.windows as windows
from fua import CRSError, DataError, OutputExistsError, ParameterError, PopulationGrid
from fua._raster import Raster
from fua.degurba._core import cell_flags, row_slices, smooth_centre_flags
from fua.degurba.classify import DegurbaParams, classify_grid
from fua.degurba.clusters import label_clusters, merge_labels, wrap_pairs
from fua.scale.distributed import aggregate_tiles
from fua.scale.tiles import antimeridian_columns, degurba_to_files, label_tiled, needs_tiling
from tests._fua_fixtures import write_tif

MOLL = "ESRI:54009"
NO_SMOOTH = DegurbaParams().replace(centre_smoothing="none", centre_hole_max_km2=0)


def bfs_labels(mask, connectivity, wrap=None):
    """Reference labelling by breadth-first search (row-major numbering), with optional wrap."""
    rows, cols = mask.shape
    lab = np.zeros(mask.shape, np.int32)
    steps = [(-1, 0), (1, 0), (0, -1), (0, 1)]
    if connectivity == 8:
        steps += [(-1, -1), (-1, 1), (1, -1), (1, 1)]
    extra = {}
    if wrap is not None:
        west, east = wrap
        offs = (-1, 0, 1) if connectivity == 8 else (0,)
        for r in range(rows):
            for d in offs:
                r2 = r + d
                if 0 <= r2 < rows and west[r] >= 0 and east[r2] >= 0:
                    a, b = (r, int(west[r])), (r2, int(east[r2]))
                    extra.setdefault(a, []).append(b)
                    extra.setdefault(b, []).append(a)
    n = 0
    for r in range(rows):
        for c in range(cols):
            if mask[r, c] and not lab[r, c]:
                n += 1
                lab[r, c] = n
                q = deque([(r, c)])
                while q:
                    y, x = q.popleft()
                    nbs = [(y + dy, x + dx) for dy, dx in steps] + extra.get((y, x), [])
                    for yy, xx in nbs:
                        if 0 <= yy < rows and 0 <= xx < cols and mask[yy, xx] and not lab[yy, xx]:
                            lab[yy, xx] = n
                            q.append((yy, xx))
    return lab, n


# -- labelling ---------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    mask=arrays(bool, st.tuples(st.integers(1, 14), st.integers(1, 14))),
    th=st.integers(1, 6),
    tw=st.integers(1, 6),
    conn=st.sampled_from([4, 8]),
)
def test_label_tiled_equals_single_pass(mask, th, tw, conn):
    expected, n = label_clusters(mask, connectivity=conn)
    got, k = label_tiled(mask, connectivity=conn, tile_shape=(th, tw))
    assert k == n
    np.testing.assert_array_equal(got, expected)


@settings(max_examples=60, deadline=None)
@given(
    mask=arrays(bool, st.tuples(st.integers(1, 10), st.integers(2, 10))),
    conn=st.sampled_from([4, 8]),
    tw=st.integers(1, 5),
)
def test_wrap_labelling_matches_bfs_reference(mask, conn, tw):
    rows, cols = mask.shape
    wrap = (np.zeros(rows, np.int64), np.full(rows, cols - 1, np.int64))
    expected, n = bfs_labels(mask, conn, wrap)
    got, k = label_clusters(mask, connectivity=conn, wrap=wrap)
    assert k == n
    np.testing.assert_array_equal(got, expected)
    tiled, k2 = label_tiled(mask, connectivity=conn, tile_shape=(3, tw), wrap=wrap)
    assert k2 == n
    np.testing.assert_array_equal(tiled, expected)


def test_cluster_across_tile_corner_and_wrap_is_one():
    mask = np.zeros((6, 8), bool)
    mask[2, 3] = mask[3, 4] = True  # diagonal neighbours across the corner of four 3x4 tiles
    mask[0, 0] = mask[0, 7] = True  # the two ends of row 0
    l4, n4 = label_tiled(mask, connectivity=4, tile_shape=(3, 4))
    l8, n8 = label_tiled(mask, connectivity=8, tile_shape=(3, 4))
    assert (n4, n8) == (4, 3)
    assert l4[2, 3] != l4[3, 4] and l8[2, 3] == l8[3, 4]
    wrap = (np.zeros(6, np.int64), np.full(6, 7, np.int64))
    lw, nw = label_tiled(mask, connectivity=8, tile_shape=(3, 4), wrap=wrap)
    assert nw == 2 and lw[0, 0] == lw[0, 7] == 1


def test_merge_labels_renumbers_by_smallest_member():
    labels = np.array([[1, 0, 2, 0, 3, 0, 4]], np.int32)
    out, k = merge_labels(labels.copy(), 4, np.array([2, 0, 4]), np.array([4, 3, 4]))
    assert k == 3
    np.testing.assert_array_equal(out, [[1, 0, 2, 0, 3, 0, 2]])


def test_wrap_pairs_rejects_wrong_length():
    with pytest.raises(ParameterError, match="one entry per row"):
        wrap_pairs(np.zeros((3, 3), np.int32), (np.zeros(2), np.zeros(2)), connectivity=4)


def test_label_tiled_rejects_bad_arguments():
    with pytest.raises(ParameterError, match="connectivity"):
        label_tiled(np.ones((2, 2), bool), connectivity=6)
    with pytest.raises(ParameterError, match="tile_shape"):
        label_tiled(np.ones((2, 2), bool), connectivity=4, tile_shape=(0, 2))


# -- the antimeridian ----------------------------------------------------------------------


def moll_world(cs):
    """A Mollweide grid of cs-metre cells covering the whole ellipse."""
    x = 18_040_096.0
    y = 9_020_048.0
    cols = int(np.ceil(2 * x / cs))
    rows = int(np.ceil(2 * y / cs))
    return Affine(cs, 0, -cols * cs / 2, 0, -cs, rows * cs / 2), (rows, cols)


def test_antimeridian_columns_follow_the_mollweide_ellipse():
    t, shape = moll_world(100_000.0)
    west, east = antimeridian_columns(t, MOLL, shape)
    mid = shape[0] // 2
    assert west[mid] == 0 and east[mid] == shape[1] - 1  # the equator reaches the grid edges
    # at 60° N the ellipse edge is at x = ±2√2 R cos θ (θ: auxiliary angle), well inside
    r60 = int((t.f - 6_000_000.0) // 100_000)
    assert 20 < west[r60] < shape[1] // 4 and east[r60] == shape[1] - 1 - west[r60]
    assert (west >= 0).all() == (east >= 0).all()


def test_antimeridian_columns_on_a_lonlat_grid_are_first_and_last():
    t = Affine(0.5, 0, -180, 0, -0.5, 90)
    west, east = antimeridian_columns(t, "EPSG:4326", (360, 720))
    assert (west == 0).all() and (east == 719).all()


def test_city_straddling_the_antimeridian_is_one_centre_with_wrap_x(tmp_path):
    # two EPSG:4326 tiles at the ends of the world (lon -180..-170 and 170..180), each with
    # half of a city of 20 x 30 cells of 0.1°; mosaicked and reprojected to Mollweide
    paths = []
    for name, x0, cols in (("west", -180.0, slice(0, 20)), ("east", 170.0, slice(80, 100))):
        pop = np.full((600, 100), 0.01)
        pop[190:220, cols] = 1e6
        paths.append(
            write_tif(
                tmp_path / f"{name}.tif", pop, Affine(0.1, 0, x0, 0, -0.1, 30.0), crs="EPSG:4326"
            )
        )
    grid = aggregate_tiles(paths, cell_size_m=50_000)
    assert grid.total_population == pytest.approx(
        2 * (600 * 1e6 + 0.01 * (60_000 - 600)), rel=1e-12
    )
    params = NO_SMOOTH.replace(centre_pop_min=1e8)
    apart = classify_grid(grid, params, level=1)
    joined = classify_grid(grid, params, level=1, wrap_x=True)
    assert apart.n_centres == 2
    assert joined.n_centres == 1
    # the one centre holds both halves: its cells lie at both ends of the map
    cols = np.nonzero(joined.centre_labels == 1)[1]
    assert cols.min() < 10 and cols.max() > grid.shape[1] - 10
    # each half alone is below this threshold; together they pass it
    half = params.replace(centre_pop_min=0.6 * 2 * 600 * 1e6)
    assert classify_grid(grid, half, level=1).n_centres == 0
    assert classify_grid(grid, half, level=1, wrap_x=True).n_centres == 1


# -- file to file ---------------------------------------------------------------------------


def synthetic(shape=(90, 140), seed=2):
    rng = np.random.default_rng(seed)
    pop = rng.exponential(20.0, shape).astype(np.float32)
    for _ in range(25):
        r, c = rng.integers(0, shape[0]), rng.integers(0, shape[1])
        size = rng.uniform(5e3, 3e5)
        yy, xx = np.ogrid[: shape[0], : shape[1]]
        w = np.exp(-np.hypot(yy - r, xx - c) / rng.uniform(1, 4))
        pop += (size * w / w.sum()).astype(np.float32)
    land = np.clip(0.4 + rng.random(shape), 0, 1)
    land[:, :6] = 0.2
    pop[:, :3] = 0
    built = (rng.random(shape) ** 12).astype(np.float64)
    built[:, :3] = 0.0
    valid = rng.random(shape) > 0.02
    pop[~valid] = -200.0
    return pop, land, built, valid


T = Affine(1000.0, 0, -70_000.0, 0, -1000.0, 45_000.0)


@pytest.fixture
def files(tmp_path):
    pop, land, built, valid = synthetic()
    return {
        "pop": write_tif(tmp_path / "pop.tif", pop, T, nodata=-200.0),
        "land": write_tif(tmp_path / "land.tif", land, T),
        "built": write_tif(tmp_path / "built.tif", built, T),
        "arrays": (pop, land, built, valid),
    }


def reference_grid(files) -> PopulationGrid:
    """The grid of ``files`` in memory, as classify_grid takes it (float32, as the tiled path)."""
    pop, land, built, valid = files["arrays"]
    return PopulationGrid(
        np.where(valid, pop, 0).astype(np.float32), T, MOLL, valid=valid, land_share=land,
        built_share=built,
    )  # fmt: skip


@pytest.mark.parametrize("preset", ["R2023A", "R2022A"])
def test_degurba_to_files_equals_classify_grid(files, tmp_path, monkeypatch, preset):
    monkeypatch.setattr(tiles, "_STRIP_ROWS", 7)  # many strips: labels cross strip borders
    monkeypatch.setattr(tiles, "_BATCH", 5)  # many appended batches
    land = files["arrays"][1]
    params = DegurbaParams.preset(preset)
    info = degurba_to_files(
        files["pop"], tmp_path / "out", params=params, land=files["land"], built=files["built"]
    )
    grid = reference_grid(files)
    ref = classify_grid(grid, params)
    assert ref.n_centres >= 3 and ref.n_clusters > ref.n_centres
    assert (ref.level2 == 0).any() and (ref.level2 == 10).any()
    assert info["n_centres"] == ref.n_centres and info["n_clusters"] == ref.n_clusters
    out = tmp_path / "out"
    for name, arr in [
        ("classes_L1", ref.level1),
        ("classes_L2", ref.level2),
        ("centre_labels", ref.centre_labels),
        ("cluster_labels", ref.cluster_labels),
    ]:
        with rasterio.open(out / f"{name}.tif") as src:
            assert src.crs == grid.crs and src.transform == T
            np.testing.assert_array_equal(src.read(1), arr, err_msg=name)
    for layer, labels, col in [
        ("urban_centres", ref.centre_labels, "uc_id"),
        ("urban_clusters", ref.cluster_labels, "cl_id"),
    ]:
        gdf = gpd.read_file(out / "degurba.gpkg", layer=layer)
        n = int(labels.max())
        assert sorted(gdf[col]) == list(range(1, n + 1))
        assert shapely.is_valid(gdf.geometry.values).all()
        # the polygons burn back to exactly the label grid
        burnt = rasterize(
            zip(gdf.geometry, gdf[col], strict=True),
            out_shape=labels.shape,
            transform=T,
            dtype="int32",
        )
        np.testing.assert_array_equal(burnt, labels)
        g = gdf.set_index(col).sort_index()
        cells = np.bincount(labels.ravel(), minlength=n + 1)[1:]
        np.testing.assert_array_equal(g["n_cells"], cells)
        np.testing.assert_allclose(g.geometry.area / 1e6, cells * 1.0)
        sums = np.bincount(labels.ravel(), weights=grid.pop.ravel().astype(float), minlength=n + 1)
        np.testing.assert_allclose(g["pop"], sums[1:], rtol=1e-9)
        lands = np.bincount(labels.ravel(), weights=land.ravel(), minlength=n + 1)
        np.testing.assert_allclose(g["land_km2"], lands[1:], rtol=1e-9)
    clusters = gpd.read_file(out / "degurba.gpkg", layer="urban_clusters").set_index("cl_id")
    assert clusters["n_centres"].sum() == ref.n_centres
    side = json.loads((out / "degurba.json").read_text())
    assert (
        side["parameters"]["preset_name"] == preset and side["extra"]["n_centres"] == ref.n_centres
    )
    assert DegurbaParams.from_json(out / "degurba.json") == params
    assert {e["name"] for e in side["inputs"]} == {"pop", "land", "built"}
    with rasterio.open(out / "classes_L2.tif") as src:
        assert src.colormap(1)[30][:3] == (255, 0, 0)
    assert (out / "classes_L2.qml").exists() and (out / "classes_L1.qml").exists()
    assert not list(out.glob("*partial*"))


FLEXURBA_OPTIONS = {
    "smooth5": {"centre_smooth_window": 5},
    "smooth9-rural": {"centre_smooth_window": 9, "nodata_class": "rural"},
    "rural": {"nodata_class": "rural"},
    "flexurba": {"centre_smooth_window": 5, "nodata_class": "rural", "built_share_decimals": 3},
}


@pytest.mark.parametrize("rows", [3, 7])
@pytest.mark.parametrize("name", list(FLEXURBA_OPTIONS))
def test_degurba_to_files_equals_classify_grid_with_flexurba_options(
    files, tmp_path, monkeypatch, name, rows
):
    """Smoothing and no-data as rural, tiled: row windows of a few rows, halos included."""
    cols = files["arrays"][0].shape[1]
    monkeypatch.setattr(
        windows, "row_slices", functools.partial(row_slices, block_cells=rows * cols)
    )
    valid = files["arrays"][3]
    params = DegurbaParams().replace(**FLEXURBA_OPTIONS[name])
    info = degurba_to_files(
        files["pop"], tmp_path / "out", params=params, land=files["land"], built=files["built"]
    )
    grid = reference_grid(files)
    ref = classify_grid(grid, params)
    # the options matter on this grid: the comparison is not the default run again
    plain = classify_grid(grid, DegurbaParams())
    if "centre_smooth_window" in FLEXURBA_OPTIONS[name]:
        assert not np.array_equal(ref.centre_labels, plain.centre_labels)
    if params.nodata_class == "rural":
        assert (ref.level1[~valid] > 0).all() and (plain.level1[~valid] == 0).any()
    assert info["n_centres"] == ref.n_centres and info["n_clusters"] == ref.n_clusters
    for out_name, arr in [
        ("classes_L1", ref.level1),
        ("classes_L2", ref.level2),
        ("centre_labels", ref.centre_labels),
        ("cluster_labels", ref.cluster_labels),
    ]:
        with rasterio.open(tmp_path / "out" / f"{out_name}.tif") as src:
            np.testing.assert_array_equal(src.read(1), arr, err_msg=out_name)
    assert DegurbaParams.from_json(tmp_path / "out" / "degurba.json") == params


def test_smoothing_windows_need_their_halo(files, monkeypatch):
    """Without the halo rows the window means at window edges differ (the halo is needed)."""
    pop, land, built, valid = files["arrays"]
    cols = pop.shape[1]
    params = DegurbaParams(centre_smooth_window=5)
    pop32 = np.where(valid, pop, 0).astype(np.float32)
    raster = Raster("pop", pop.shape, T, rasterio.crs.CRS.from_user_input(MOLL), None, array=pop32)
    nodata = windows.NoDataBits(np.packbits(valid, axis=1), cols, any_nodata=True)
    shares = (lambda sl: land[sl], lambda sl: built[sl])
    area = 1.0

    def fresh_flags() -> np.ndarray:
        flags = np.empty(pop.shape, np.uint8)
        for sl in row_slices(pop.shape):
            flags[sl] = cell_flags(pop32[sl], land[sl], built[sl], params, area)
        return flags

    whole_flags = fresh_flags()  # the in-memory rule on the whole grid
    whole = smooth_centre_flags(whole_flags, pop32, (land, built), valid, params, area)
    monkeypatch.setattr(windows, "row_slices", functools.partial(row_slices, block_cells=4 * cols))
    tiled_flags = fresh_flags()
    tiled = windows.smooth_windows(raster, tiled_flags, pop32, nodata, shares, params)
    np.testing.assert_array_equal(tiled, whole)
    np.testing.assert_array_equal(tiled_flags, whole_flags)
    cut = np.empty(pop.shape)  # the same 4-row windows without their halo rows
    for sl in row_slices(pop.shape, 4 * cols):
        blk = fresh_flags()[sl]
        cut[sl] = smooth_centre_flags(
            blk, pop32[sl], (land[sl], built[sl]), valid[sl], params, area
        )
    assert not np.array_equal(cut, whole)


def test_degurba_to_files_level1_and_no_vectors(files, tmp_path):
    info = degurba_to_files(files["pop"], tmp_path / "o", level=1, vectors=False)
    names = sorted(p.name for p in (tmp_path / "o").iterdir())
    assert names == [
        "centre_labels.tif",
        "classes_L1.qml",
        "classes_L1.tif",
        "cluster_labels.tif",
        "degurba.json",
    ]
    assert info["level"] == 1


def test_degurba_to_files_refuses_to_overwrite(files, tmp_path):
    degurba_to_files(files["pop"], tmp_path / "o", level=1, vectors=False)
    with pytest.raises(OutputExistsError, match="overwrite"):
        degurba_to_files(files["pop"], tmp_path / "o", level=1, vectors=False)
    degurba_to_files(files["pop"], tmp_path / "o", level=1, vectors=False, overwrite=True)


def test_degurba_to_files_errors(files, tmp_path):
    with pytest.raises(ParameterError, match="level"):
        degurba_to_files(files["pop"], tmp_path / "o", level=3)
    other = write_tif(tmp_path / "land2.tif", np.ones((10, 10)), T)
    with pytest.raises(DataError, match="not on the population grid"):
        degurba_to_files(files["pop"], tmp_path / "o", land=other)
    bad = files["arrays"][0].copy()
    bad[5, 5] = -3.0
    with pytest.raises(DataError, match="negative"):
        degurba_to_files(write_tif(tmp_path / "bad.tif", bad, T, nodata=-200.0), tmp_path / "o2")


def test_degurba_to_files_aggregates_a_fine_grid_first(tmp_path):
    fine = np.zeros((400, 500), np.float32)
    fine[100:180, 100:200] = 30.0  # 8 000 cells of 100 m, 3 000 /km², 240 000 people
    t = Affine(100.0, 0, 0, 0, -100.0, 40_000.0)
    info = degurba_to_files(write_tif(tmp_path / "fine.tif", fine, t), tmp_path / "o", level=1)
    assert info["n_centres"] == 1
    assert info["total_pop"] == pytest.approx(float(fine.sum(dtype=np.float64)))
    with rasterio.open(tmp_path / "o" / "population_1km.tif") as src:
        assert src.res == (1000.0, 1000.0) and src.shape == (40, 50)


def test_wrapped_centre_is_one_multipolygon_in_the_gpkg(tmp_path):
    t, shape = moll_world(20_000.0)
    pop = np.zeros(shape, np.float32)
    west, east = antimeridian_columns(t, MOLL, shape)
    mid = shape[0] // 2
    for r in range(mid - 3, mid + 3):
        pop[r, west[r] : west[r] + 3] = 2e8  # 5e5 people per km²: dense but possible
        pop[r, east[r] - 2 : east[r] + 1] = 2e8
    path = write_tif(tmp_path / "world.tif", pop, t)
    params = NO_SMOOTH.replace(centre_pop_min=5e9)  # each half has 3.6e9 people
    tiles_apart = degurba_to_files(path, tmp_path / "a", params=params, level=1, cell_size_m=20_000)
    tiles_joined = degurba_to_files(
        path, tmp_path / "b", params=params, level=1, cell_size_m=20_000, wrap_x=True
    )
    assert tiles_apart["n_centres"] == 0
    assert tiles_joined["n_centres"] == 1
    gdf = gpd.read_file(tmp_path / "b" / "degurba.gpkg", layer="urban_centres")
    assert len(gdf) == 1 and len(gdf.geometry.iloc[0].geoms) == 2
    assert gdf["pop"].iloc[0] == pytest.approx(36 * 2e8)


def test_needs_tiling(tmp_path, monkeypatch):
    path = write_tif(tmp_path / "p.tif", np.zeros((20, 30), np.float32), T)
    assert not needs_tiling(path)
    monkeypatch.setattr(tiles, "TILED_CELLS", 500)
    assert needs_tiling(path)
    assert not needs_tiling(path, cell_size_m=2000)
    degrees = write_tif(
        tmp_path / "deg.tif", np.zeros((2, 3), np.float32), Affine(0.1, 0, 60, 0, -0.1, 50),
        crs="EPSG:4326",
    )  # fmt: skip
    assert needs_tiling(degrees)  # 6 cells of ~11 km: 726 cells of 1 km > 500


def test_needs_tiling_refuses_a_raster_without_crs_and_a_bad_cell_size(tmp_path):
    with rasterio.open(
        tmp_path / "nocrs.tif", "w", driver="GTiff", height=2, width=2, count=1,
        dtype="float32", transform=T,
    ) as dst:  # fmt: skip
        dst.write(np.ones((2, 2), np.float32), 1)
    with pytest.raises(CRSError, match="has no CRS"):  # it used to be taken as degrees
        needs_tiling(tmp_path / "nocrs.tif")
    path = write_tif(tmp_path / "p.tif", np.zeros((2, 2), np.float32), T)
    for bad in (0, -5, float("nan"), "x"):
        with pytest.raises(ParameterError, match="cell_size_m"):
            needs_tiling(path, cell_size_m=bad)
        with pytest.raises(ParameterError, match="cell_size_m"):
            degurba_to_files(path, tmp_path / "o", cell_size_m=bad)
    assert not (tmp_path / "o").exists()


def test_degurba_to_files_leaves_nothing_when_it_fails(files, tmp_path, monkeypatch):
    # a failure after the aggregation: population_1km.tif used to stay in out_dir
    fine = np.zeros((40, 50), np.float32)
    fine[10:18, 10:20] = 30.0
    path = write_tif(tmp_path / "fine.tif", fine, Affine(100.0, 0, 0, 0, -100.0, 4_000.0))

    def broken(*args, **kwargs):
        raise KeyboardInterrupt  # Ctrl-C while classifying

    monkeypatch.setattr(tiles, "_classify_to", broken)
    for out in (tmp_path / "new", tmp_path / "new" / "deeper"):
        with pytest.raises(KeyboardInterrupt):
            degurba_to_files(path, out, level=1)
        assert not (tmp_path / "new").exists()
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "notes.txt").write_text("keep me")
    with pytest.raises(KeyboardInterrupt):
        degurba_to_files(files["pop"], tmp_path / "old")
    assert [p.name for p in (tmp_path / "old").iterdir()] == ["notes.txt"]


def test_degurba_to_files_checks_its_outputs_before_any_work(files, tmp_path, monkeypatch):
    monkeypatch.setattr(tiles, "_classify_to", lambda *a, **k: pytest.fail("work started"))
    with pytest.raises(ParameterError, match="cannot be written"):
        degurba_to_files(files["pop"], "/proc/fua-test/o")
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "classes_L2.qml").write_text("an old style")  # an output in the way
    with pytest.raises(OutputExistsError, match=r"classes_L2\.qml"):
        degurba_to_files(files["pop"], tmp_path / "o")


def test_cli_tiled(files, tmp_path):
    from click.testing import CliRunner

    from fua.cli import main

    args = ["degurba", str(files["pop"]), "--out", str(tmp_path / "cli"), "--tiled", "--level", "1"]
    res = CliRunner().invoke(main, [*args, "--land", str(files["land"])])
    assert res.exit_code == 0, res.output
    assert "(tiled)" in res.output and (tmp_path / "cli" / "degurba.gpkg").exists()
    res = CliRunner().invoke(main, [*args, "--format", "shp", "--overwrite"])
    assert res.exit_code == 1 and "GeoPackage only" in res.output
