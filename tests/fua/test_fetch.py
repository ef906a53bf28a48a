"""fua.fetch (GHSL tiles) and connectivity.fetch (Geofabrik OSM) against a local HTTP server."""

from __future__ import annotations

import hashlib
import http.server
import logging
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from affine import Affine
from click.testing import CliRunner

import connectivity
import fua
from connectivity import fetch as cfetch
from fua import fetch as ffetch
from tests import ROOT
from tests._servers import LocalHTTPServer

MOLL = "ESRI:54009"


class _Server(LocalHTTPServer):
    """Serves the files under ``root``; ``hits`` records the paths asked for."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.hits: list[str] = []
        self.failures: dict[str, int] = {}  # path -> answers 503 this many times first
        outer = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a: Any, **kw: Any) -> None:
                super().__init__(*a, directory=str(root), **kw)

            def do_GET(self) -> None:
                outer.hits.append(self.path)
                if outer.failures.get(self.path, 0) > 0:
                    outer.failures[self.path] -= 1
                    self.send_error(503, "Busy")
                    return
                super().do_GET()

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(Handler)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[_Server]:
    root = tmp_path / "www"
    root.mkdir()
    s = _Server(root)
    yield s
    s.close()


# ---------------------------------------------------------------- GHSL
def test_tile_numbering_matches_the_ghsl_grid() -> None:
    assert ffetch.ghsl_tiles((5.9, 45.8, 10.5, 47.8)) == [(4, 19)]  # Switzerland: R4_C19
    # tile (r, c) covers x in [x0 + (c-1) L, x0 + c L], y in [y0 - r L, y0 - (r-1) L]
    assert ffetch.ghsl_tiles(
        (-18_041_000 + 1, 8_999_999, -18_041_000 + 2, 9_000_000 - 1), mollweide=True
    ) == [(1, 1)]
    assert ffetch.ghsl_tiles(
        (959_000 + 10, 5_000_010, 1_959_000 - 10, 5_999_990), mollweide=True
    ) == [(4, 20)]
    kaz = ffetch.ghsl_tiles(ffetch._country_bbox("KAZ"))
    assert (4, 23) in kaz and all(3 <= r <= 5 and 22 <= c <= 26 for r, c in kaz)
    url = ffetch.ghsl_pop_url(4, 23)
    assert url == (
        "https://jeodpp.jrc.ec.europa.eu/ftp/jrc-opendata/GHSL/GHS_POP_GLOBE_R2023A/"
        "GHS_POP_E2020_GLOBE_R2023A_54009_1000/V1-0/tiles/"
        "GHS_POP_E2020_GLOBE_R2023A_54009_1000_V1_0_R4_C23.zip"
    )
    with pytest.raises(fua.ParameterError):
        ffetch.ghsl_pop_url(4, 23, epoch=2021)
    with pytest.raises(fua.ParameterError):
        ffetch.ghsl_tiles((10, 50, 5, 40))


def _tile_zip(folder: Path, row: int, col: int, value: float, epoch: int = 2020) -> Path:
    """A fake GHSL tile: 1000 x 1000 km at 10 km cells (100 x 100), constant population."""
    stem = f"GHS_POP_E{epoch}_GLOBE_R2023A_54009_1000_V1_0_R{row}_C{col}"
    d = (
        folder
        / "GHS_POP_GLOBE_R2023A"
        / f"GHS_POP_E{epoch}_GLOBE_R2023A_54009_1000"
        / "V1-0"
        / "tiles"
    )
    d.mkdir(parents=True, exist_ok=True)
    tif = d / f"{stem}.tif"
    left = -18_041_000 + (col - 1) * 1_000_000
    top = 9_000_000 - (row - 1) * 1_000_000
    with rasterio.open(tif, "w", driver="GTiff", width=100, height=100, count=1, dtype="float32",
                       crs=MOLL, transform=Affine(10_000, 0, left, 0, -10_000, top),
                       nodata=-200) as dst:  # fmt: skip
        dst.write(np.full((1, 100, 100), value, dtype="float32"))
    z = d / f"{stem}.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(tif, tif.name)
    tif.unlink()
    return z


def test_fetch_ghs_pop_mosaics_caches_and_skips_missing_tiles(
    server: _Server, tmp_path: Path
) -> None:
    # a box across tiles (4, 20) and (4, 21) and rows 4-5; only (4, 20) and (4, 21) exist
    _tile_zip(server.root, 4, 20, 1.0)
    _tile_zip(server.root, 4, 21, 2.0)
    box = (1_459_000, 4_500_000, 2_459_000, 5_500_000)  # Mollweide metres
    from pyproj import Transformer

    tr = Transformer.from_crs(MOLL, "EPSG:4326", always_xy=True)
    lon, lat = tr.transform(
        [box[0] + 100_000, box[2] - 100_000], [box[1] + 100_000, box[3] - 100_000]
    )
    bbox = (min(lon), min(lat), max(lon), max(lat))
    tiles = ffetch.ghsl_tiles(bbox)
    cache = tmp_path / "cache"
    out = ffetch.fetch_ghs_pop(
        bbox=bbox, out=tmp_path / "pop.tif", out_dir=cache, base_url=server.url
    )
    requested = {h.rsplit("_", 2)[-2] + "_" + h.rsplit("_", 1)[-1] for h in server.hits}
    assert len(server.hits) == len(tiles) and {"R4_C20.zip", "R4_C21.zip"} <= requested
    with rasterio.open(out) as src:
        arr = src.read(1)
        assert src.crs.to_string() in (MOLL, src.crs.to_string())
        tags = src.tags()
    vals = set(np.unique(arr[arr != -200]).tolist())
    assert vals == {1.0, 2.0}  # both tiles in the mosaic
    assert "R4_C20" in tags["SOURCE"]
    manifest = (cache / "manifest.json").read_text()
    z = server.root.rglob("*R4_C20.zip").__next__()
    assert hashlib.sha256(z.read_bytes()).hexdigest() in manifest

    # second run: tiles come from the cache (only the missing ones are asked again)
    n = len(server.hits)
    ffetch.fetch_ghs_pop(
        bbox=bbox, out=tmp_path / "pop.tif", out_dir=cache, base_url=server.url, overwrite=True
    )
    assert not any("R4_C20" in h or "R4_C21" in h for h in server.hits[n:])

    # a corrupted cached tile is detected by its checksum and downloaded again
    cached = next(cache.glob("*R4_C20.zip"))
    cached.write_bytes(b"garbage")
    n = len(server.hits)
    ffetch.fetch_ghs_pop(
        bbox=bbox, out=tmp_path / "pop.tif", out_dir=cache, base_url=server.url, overwrite=True
    )
    assert any("R4_C20" in h for h in server.hits[n:])

    with pytest.raises(fua.OutputExistsError):
        ffetch.fetch_ghs_pop(
            bbox=bbox, out=tmp_path / "pop.tif", out_dir=cache, base_url=server.url
        )


def test_fetch_ghs_pop_env_override_and_errors(
    server: _Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FUA_GHSL_BASE_URL", server.url)
    assert ffetch.ghsl_pop_url(1, 1).startswith(server.url + "/")
    with pytest.raises(fua.DataError, match="no GHS-POP tile"):
        ffetch.fetch_ghs_pop(bbox=(10.0, 40.0, 11.0, 41.0), out_dir=tmp_path / "c")
    bad = server.root / "GHS_POP_GLOBE_R2023A/GHS_POP_E2020_GLOBE_R2023A_54009_1000/V1-0/tiles"
    bad.mkdir(parents=True)
    (r, c), *_ = ffetch.ghsl_tiles((10.0, 40.0, 11.0, 41.0))
    (bad / f"GHS_POP_E2020_GLOBE_R2023A_54009_1000_V1_0_R{r}_C{c}.zip").write_bytes(b"not a zip")
    with pytest.raises(fua.InputFileError, match="not a valid zip"):
        ffetch.fetch_ghs_pop(bbox=(10.0, 40.0, 11.0, 41.0), out_dir=tmp_path / "c2")
    with pytest.raises(fua.ParameterError):
        ffetch.fetch_ghs_pop(country="KAZ", bbox=(1, 2, 3, 4))
    with pytest.raises(fua.ParameterError, match="only KAZ"):
        ffetch.fetch_ghs_pop(country="FRA")


def test_fetch_unreachable_server_says_how_to_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cfetch, "DOWNLOAD_RETRIES", 0)  # no waiting between tries
    with pytest.raises(fua.InputFileError, match="cannot reach"):
        ffetch.fetch_ghs_pop(
            bbox=(10.0, 40.0, 11.0, 41.0), out_dir=tmp_path, base_url="http://127.0.0.1:9"
        )


def test_cli_fetch_ghs_pop(server: _Server, tmp_path: Path) -> None:
    _tile_zip(server.root, 4, 20, 3.0)
    from pyproj import Transformer

    from fua.cli import main

    lon, lat = Transformer.from_crs(MOLL, "EPSG:4326", always_xy=True).transform(
        1_450_000, 5_500_000
    )
    bbox = [f"{lon - 0.2:.3f}", f"{lat - 0.2:.3f}", f"{lon + 0.2:.3f}", f"{lat + 0.2:.3f}"]
    assert ffetch.ghsl_tiles(tuple(map(float, bbox))) == [(4, 20)]
    out = tmp_path / "x.tif"
    r = CliRunner().invoke(main, ["-q", "fetch", "ghs-pop", "--bbox", *bbox, "--out", str(out),
                                  "--base-url", server.url])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert out.exists() and str(out) in r.output


# ---------------------------------------------------------------- OSM
def _publish(root: Path, payload: bytes, *, md5: str | None = None) -> None:
    d = root / "asia"
    d.mkdir(exist_ok=True)
    (d / "kazakhstan-latest.osm.pbf").write_bytes(payload)
    digest = md5 or hashlib.md5(payload).hexdigest()
    (d / "kazakhstan-latest.osm.pbf.md5").write_text(f"{digest}  kazakhstan-latest.osm.pbf\n")


def test_fetch_osm_checks_md5_and_caches(server: _Server, tmp_path: Path) -> None:
    payload = b"PBF" * 10_000
    _publish(server.root, payload)
    out = cfetch.fetch_osm(country="KAZ", out_dir=tmp_path, base_url=server.url)
    assert out == tmp_path / "kazakhstan-latest.osm.pbf"
    assert out.read_bytes() == payload
    rec = (tmp_path / "kazakhstan-latest.json").read_text()
    assert hashlib.sha256(payload).hexdigest() in rec and "ODbL" in rec
    assert server.hits == ["/asia/kazakhstan-latest.osm.pbf.md5", "/asia/kazakhstan-latest.osm.pbf"]
    # unchanged upstream: only the .md5 is fetched
    cfetch.fetch_osm(country="KAZ", out_dir=tmp_path, base_url=server.url)
    assert server.hits[2:] == ["/asia/kazakhstan-latest.osm.pbf.md5"]
    # updated upstream: downloaded again
    _publish(server.root, payload + b"new")
    cfetch.fetch_osm(country="KAZ", out_dir=tmp_path, base_url=server.url)
    assert out.read_bytes() == payload + b"new"


def test_fetch_osm_rejects_a_corrupt_download(
    server: _Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cfetch, "DOWNLOAD_RETRIES", 1)
    _publish(server.root, b"data", md5="0" * 32)
    with pytest.raises(connectivity.InputFileError, match="checksum mismatch"):
        cfetch.fetch_osm(out_dir=tmp_path, base_url=server.url)
    assert not [p for p in tmp_path.iterdir() if p.is_file()]  # nothing left behind
    # the download was tried again once before giving up (pooch's retry_if_failed)
    assert server.hits.count("/asia/kazakhstan-latest.osm.pbf") == 2


def test_fetch_osm_offline_uses_a_verified_cache(server: _Server, tmp_path: Path) -> None:
    _publish(server.root, b"abc" * 100)
    out = cfetch.fetch_osm(out_dir=tmp_path, base_url=server.url)
    assert cfetch.fetch_osm(out_dir=tmp_path, base_url="http://127.0.0.1:9") == out
    out.write_bytes(b"tampered")
    with pytest.raises(connectivity.InputFileError, match="cannot reach"):
        cfetch.fetch_osm(out_dir=tmp_path, base_url="http://127.0.0.1:9")


def test_fetch_osm_env_override_regions_and_cli(
    server: _Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONNECTIVITY_GEOFABRIK_URL", server.url)
    assert cfetch.geofabrik_url("asia/kazakhstan") == f"{server.url}/asia/kazakhstan-latest.osm.pbf"
    assert (
        cfetch.geofabrik_url("asia/kazakhstan", base_url="https://x.org/")
        == "https://x.org/asia/kazakhstan-latest.osm.pbf"
    )
    with pytest.raises(connectivity.ParameterError):
        cfetch.fetch_osm(country="ZZZ")
    with pytest.raises(connectivity.ParameterError):
        cfetch.geofabrik_url("../etc/passwd")
    _publish(server.root, b"xyz")
    from connectivity.cli import main

    r = CliRunner().invoke(main, ["-q", "fetch", "osm", "--country", "KAZ", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "kazakhstan-latest.osm.pbf").read_bytes() == b"xyz"


def test_downloads_are_retried_after_server_errors(
    server: _Server,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    (server.root / "f.bin").write_bytes(b"payload")
    server.failures["/f.bin"] = 1
    with caplog.at_level(logging.INFO, logger="connectivity.fetch"):
        dl = cfetch.download_file(f"{server.url}/f.bin", tmp_path / "f.bin")
    assert dl.path.read_bytes() == b"payload" and server.hits == ["/f.bin", "/f.bin"]
    assert "Will attempt the download again" in caplog.text  # pooch's messages, in our log
    assert "Downloading" not in capfd.readouterr().err  # not printed by pooch itself
    # a 404 is final: not retried
    with pytest.raises(connectivity.InputFileError, match="HTTP 404"):
        cfetch.download_file(f"{server.url}/nothing.bin", tmp_path / "n.bin")
    assert server.hits.count("/nothing.bin") == 1


def test_cached_download_uses_the_known_hash(server: _Server, tmp_path: Path) -> None:
    (server.root / "f.bin").write_bytes(b"v1")
    url, dest = f"{server.url}/f.bin", tmp_path / "c" / "f.bin"
    sha = "sha256:" + hashlib.sha256(b"v1").hexdigest()
    assert cfetch.cached_download(url, dest, known_hash=sha) == (dest, True)
    assert cfetch.cached_download(url, dest, known_hash=sha) == (dest, False)  # cache hit
    assert len(server.hits) == 1
    dest.write_bytes(b"broken")
    assert cfetch.cached_download(url, dest, known_hash=sha) == (dest, True)  # fixed
    assert dest.read_bytes() == b"v1"
    # a refresh that fails keeps the cached file
    (server.root / "f.bin").unlink()
    with pytest.raises(connectivity.InputFileError, match="HTTP 404"):
        cfetch.cached_download(url, dest, known_hash=None, refresh=True)
    assert dest.read_bytes() == b"v1"


def test_cache_root_is_the_platform_user_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import platformdirs

    from connectivity.cache import cache_root

    monkeypatch.delenv("FUA_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    expected = Path(platformdirs.user_cache_dir("fua-toolkit", appauthor=False))
    assert cache_root() == expected and expected.is_dir()
    monkeypatch.setenv("FUA_CACHE_DIR", str(tmp_path / "env"))
    assert cache_root() == tmp_path / "env"
    assert cache_root(tmp_path / "arg") == tmp_path / "arg"


def test_download_file_refuses_to_overwrite(server: _Server, tmp_path: Path) -> None:
    (server.root / "f.bin").write_bytes(b"123")
    dl = cfetch.download_file(f"{server.url}/f.bin", tmp_path / "f.bin")
    assert dl.size == 3 and dl.md5 == hashlib.md5(b"123").hexdigest()
    with pytest.raises(connectivity.OutputExistsError):
        cfetch.download_file(f"{server.url}/f.bin", tmp_path / "f.bin")
    with pytest.raises(connectivity.InputFileError, match="HTTP 404"):
        cfetch.download_file(f"{server.url}/missing", tmp_path / "m.bin")
    with pytest.raises(connectivity.ParameterError):
        cfetch.download_file("file:///etc/passwd", tmp_path / "p")


def test_readme_real_data_path_writes_what_the_next_line_reads(
    server: _Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's `connectivity fetch osm` line leaves the file its `fua demo` line names."""
    import shlex

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    fetch_line = next(ln for ln in readme.splitlines() if ln.startswith("connectivity fetch osm"))
    demo_line = next(ln for ln in readme.splitlines() if ln.startswith("fua demo --out kz-real"))
    roads = shlex.split(demo_line)[shlex.split(demo_line).index("--roads") + 1]
    monkeypatch.setenv("CONNECTIVITY_GEOFABRIK_URL", server.url)
    monkeypatch.chdir(tmp_path)
    _publish(server.root, b"xyz")
    from connectivity.cli import main

    args = shlex.split(fetch_line.split("#")[0])[1:]
    r = CliRunner().invoke(main, ["-q", *args])
    assert r.exit_code == 0, r.output
    assert (tmp_path / roads).read_bytes() == b"xyz"
    assert str(tmp_path / roads) in r.output  # it says where the file went


@pytest.mark.parametrize("epoch", [1975, 1990, 2030])
def test_cli_fetch_ghs_pop_epochs(server: _Server, tmp_path: Path, epoch: int) -> None:
    """Every R2023A epoch 1975-2030 (5-year steps) is fetched from its own folder of the server."""
    import rasterio
    from pyproj import Transformer

    from fua.cli import main

    assert epoch in ffetch.GHSL_EPOCHS and len(ffetch.GHSL_EPOCHS) == 12
    _tile_zip(server.root, 4, 20, 3.0, epoch=2020)
    _tile_zip(server.root, 4, 20, float(epoch - 1900), epoch=epoch)  # a value per epoch
    lon, lat = Transformer.from_crs(MOLL, "EPSG:4326", always_xy=True).transform(
        1_450_000, 5_500_000
    )
    bbox = [f"{lon - 0.2:.3f}", f"{lat - 0.2:.3f}", f"{lon + 0.2:.3f}", f"{lat + 0.2:.3f}"]
    out = tmp_path / f"pop_{epoch}.tif"
    args = ["-q", "fetch", "ghs-pop", "--bbox", *bbox, "--epoch", str(epoch), "--out", str(out)]
    r = CliRunner().invoke(main, [*args, "--base-url", server.url])
    assert r.exit_code == 0, r.output
    with rasterio.open(out) as src:
        assert f"epoch {epoch}" in src.tags()["SOURCE"]
        assert np.nanmax(src.read(1)) == epoch - 1900
    r = CliRunner().invoke(main, [*args[:-4], "--epoch", str(epoch + 2), "--out", str(out)])
    assert r.exit_code != 0 and "not a GHS-POP R2023A epoch" in r.output
