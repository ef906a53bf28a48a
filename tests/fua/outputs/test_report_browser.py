"""The HTML report in a real browser (headless Chromium): the map and the tables must render.

The report's script records what it drew in data attributes (``data-rendered``,
``data-features`` on ``<svg id="map">``; ``data-tables``, ``data-table-rows`` on
``<body>``); Chromium's ``--dump-dom`` prints the DOM after the scripts ran.
Skipped only when no Chromium binary is installed (Debian: ``apt-get install chromium``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from fua.kazakhstan.report import write_kazakhstan_report
from fua.outputs import report
from tests._demo_fixtures import report_inputs

CHROMIUM = next(
    (p for p in (os.environ.get("CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser"),
                 shutil.which("google-chrome")) if p),
    None,
)  # fmt: skip
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="browser check of report.html skipped: no headless Chromium on PATH. Install one with "
    "`sudo apt-get install chromium` (Debian/Ubuntu; .ci/run does this) or point CHROMIUM=/path/to/chrome",
)

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--mute-audio", "--hide-scrollbars"]  # fmt: skip


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    cmd = [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def _attr(dom: str, tag_re: str, name: str) -> str:
    m = re.search(tag_re, dom)
    assert m, f"{tag_re} not in the DOM"
    a = re.search(rf'{name}="([^"]*)"', m.group(0))
    assert a, f"{name} missing on {m.group(0)[:200]}"
    return a.group(1)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("browser")
    kw = report_inputs()
    png = report.plot_rank_size(d / "rs.png", {"x": [5e5, 2e5, 1e5]})
    from affine import Affine

    minutes = np.array([[0.0, 30.0], [90.0, 300.0]], dtype="float32")
    tr = Affine(200_000, 0, 5_300_000, 0, -200_000, 5_800_000)
    return write_kazakhstan_report(d / "report.html", title="Browser test",
                                   images={"rank-size": png},
                                   minutes=(minutes, tr, "ESRI:54009"), **kw)  # fmt: skip


def test_map_and_tables_render(page: Path, tmp_path: Path) -> None:
    r = _chromium(tmp_path, "--virtual-time-budget=5000", "--dump-dom", page.as_uri())
    dom = r.stdout
    assert "<svg" in dom, f"chromium printed no DOM (rc {r.returncode}): {r.stderr[-500:]}"
    svg = r'<svg id="map"[^>]*>'
    assert _attr(dom, svg, "data-rendered") == "true"
    # 1 outline + 2 FUAs + 1 corridor + 2 borders + 3 SEZs + 1 raster image
    assert int(_attr(dom, svg, "data-features")) == 10
    assert int(_attr(dom, svg, "data-layers")) == 6
    assert _attr(dom, svg, "viewBox").count(" ") == 3
    n_paths = len(re.findall(r"<path [^>]*d=\"M", dom))
    n_circles = len(re.findall(r"<circle ", dom))
    assert n_paths == 4 and n_circles == 5
    body = r"<body[^>]*>"
    assert int(_attr(dom, body, "data-tables")) == 5
    assert int(_attr(dom, body, "data-table-rows")) == 3 + 1 + 2 + 2 + 2
    # layer switches were built by the script, one per layer
    assert dom.count('type="checkbox"') == 6


def test_screenshot_is_not_blank(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    r = _chromium(tmp_path, "--virtual-time-budget=5000", "--window-size=1280,900",
                  f"--screenshot={shot}", page.as_uri())  # fmt: skip
    assert shot.exists(), r.stderr[-500:]
    import matplotlib.image as mpimg

    img = mpimg.imread(shot)
    assert img.shape[0] == 900 and img.shape[1] == 1280
    rgb = img[..., :3].reshape(-1, 3)
    # a rendered page has many colours: header, banner, map polygons, table lines
    assert len(np.unique((rgb * 255).astype(np.uint8), axis=0)) > 50
    keep = os.environ.get("FUA_KEEP_SCREENSHOT")
    if keep:
        shutil.copy(shot, keep)
