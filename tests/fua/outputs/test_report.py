"""fua.outputs.report (PNG maps, the generic HTML report) and the Kazakhstan report page."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from affine import Affine

from fua import DataError, ParameterError
from fua.kazakhstan.report import DISPLAY_CRS, write_kazakhstan_report
from fua.outputs import report
from tests._demo_fixtures import report_inputs

PNG = b"\x89PNG\r\n\x1a\n"


def _mapdata(text: str) -> dict[str, Any]:
    m = re.search(r'<script type="application/json" id="mapdata">(.*?)</script>', text, re.S)
    assert m, "no embedded map data"
    return json.loads(m.group(1).replace("<\\/", "</"))


@pytest.fixture
def html(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    kw = report_inputs()
    p = write_kazakhstan_report(tmp_path / "r.html", title="Test <report>", **kw)
    return p, kw


def test_report_embeds_every_layer_and_table(html: tuple[Path, dict[str, Any]]) -> None:
    path, _kw = html
    text = path.read_text(encoding="utf-8")
    data = _mapdata(text)
    layers = {lay["name"]: lay for lay in data["layers"]}
    assert set(layers) == {"outline", "fuas", "corridors", "borders", "sez"}
    assert len(layers["fuas"]["features"]) == 2
    assert len(layers["sez"]["features"]) == 3
    assert len(layers["borders"]["features"]) == 2
    assert text.count('<table class="data">') == 5
    # the SEZ table has one row per zone, values formatted, NaN as a dash
    sez_block = text.split("access beside performance")[1].split("</table>")[0]
    assert sez_block.count("<tr>") == 1 + 3
    assert "–" in sez_block
    # escaping: names with markup never become markup
    assert "Беta &lt;b&gt;" in sez_block and "<b>" not in sez_block
    assert "<title>Test &lt;report&gt;</title>" in text


def test_report_is_self_contained(html: tuple[Path, dict[str, Any]]) -> None:
    text = html[0].read_text(encoding="utf-8")
    # no external resource: every src/href is inline, the only URL is the SVG namespace
    assert not re.search(r'(src|href)="(https?:)?//', text)
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", text))
    assert urls <= {"http://www.w3.org/2000/svg"}
    assert "<script src" not in text and "<link" not in text


def test_report_banner_labels_modelled_and_proxy(html: tuple[Path, dict[str, Any]]) -> None:
    text = html[0].read_text(encoding="utf-8")
    banner = text.split('id="banner"')[1].split("</div>")[0]
    assert "MODELLED test surface" in banner and "PROXY test roads" in banner
    assert "Population is MODELLED." in banner
    assert "MODELLED population — PROXY roads" in text


def test_report_with_images_and_raster_layer(tmp_path: Path) -> None:
    kw = report_inputs()
    png = report.plot_rank_size(tmp_path / "rs.png", {"a": [5e5, 2e5, 1e5, 5e4]})
    minutes = np.array([[0.0, 30.0], [np.nan, 300.0]], dtype="float32")
    tr = Affine(50_000, 0, 5_400_000, 0, -50_000, 5_600_000)
    p = write_kazakhstan_report(
        tmp_path / "r.html", title="t", images={"Rank-size": png},
        minutes=(minutes, tr, "ESRI:54009"), **kw,
    )  # fmt: skip
    text = p.read_text(encoding="utf-8")
    assert text.count("data:image/png;base64,") == 2
    kinds = [lay.get("kind") for lay in _mapdata(text)["layers"]]
    assert kinds.count("image") == 1


def test_report_needs_html_suffix(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match=r"\.html"):
        write_kazakhstan_report(tmp_path / "r.txt", title="t", **report_inputs())


def test_maps_are_pngs(tmp_path: Path) -> None:
    kw = report_inputs()
    a = report.plot_fua_map(tmp_path / "f.png", kw["fuas"], points=kw["sez_table"],
                            corridors=kw["corridors"], borders=kw["borders"],
                            outline=kw["outline"], title="PROXY")  # fmt: skip
    minutes = np.linspace(0, 600, 400, dtype="float32").reshape(20, 20)
    minutes[0, 0] = np.nan
    b = report.plot_minutes_map(tmp_path / "m.png", minutes,
                                transform=Affine(20_000, 0, 5_300_000, 0, -20_000, 5_700_000),
                                crs="ESRI:54009", points=kw["sez_table"])  # fmt: skip
    c = report.plot_rank_size(tmp_path / "r.png", {"x": [3.0, 2.0, 1.0], "single": [7.0]})
    for p in (a, b, c):
        assert p.read_bytes()[:8] == PNG and p.stat().st_size > 5_000
    with pytest.raises(ParameterError):
        report.plot_rank_size(tmp_path / "r.jpg", {"x": [1.0]})
    with pytest.raises(DataError):
        report.plot_minutes_map(tmp_path / "m2.png", np.zeros(3), transform=Affine.identity(),
                                crs="ESRI:54009")  # fmt: skip


def test_minutes_qml_is_a_qgis_pseudocolour_style(tmp_path: Path) -> None:
    p = report.write_minutes_qml(tmp_path / "m.qml", max_min=240)
    root = ET.fromstring(p.read_text(encoding="utf-8").split("\n", 1)[1])
    rr = root.find("pipe/rasterrenderer")
    assert rr is not None and rr.get("type") == "singlebandpseudocolor"
    values = [float(i.get("value", "nan")) for i in root.iter("item")]
    assert values == [0, 30, 60, 120, 240]
    with pytest.raises(ParameterError):
        report.write_minutes_qml(tmp_path / "m.xml")


def test_display_projection_is_centred_on_the_data() -> None:
    kw = report_inputs()
    crs = report.display_projection(kw["outline"], None, kw["fuas"])
    assert crs == "+proj=laea +lat_0=46.0 +lon_0=71.5 +datum=WGS84 +units=m +no_defs"
    with pytest.raises(DataError):
        report.display_projection(None)


def test_generic_report_without_a_case_study(tmp_path: Path) -> None:
    kw = report_inputs()
    layers = [
        report.MapLayer("outline", "outline", kw["outline"], style={"fill": "#eee"}),
        report.fua_layer(kw["fuas"], "FUAs"),
        report.MapLayer("pts", "sites", kw["sez_table"], props=("name",), radius=5, hidden=True),
    ]
    tables = [report.ReportTable("FUAs", report.fua_table(kw["fuas"]), "largest first")]
    p = report.write_report(
        tmp_path / "g.html", title="Generic", inputs={"population": "p", "roads": "r"},
        notes=[], kpis=[("2", "FUAs")], layers=layers, tables=tables,
        legend=[("#eee", "outline")],
    )  # fmt: skip
    text = p.read_text(encoding="utf-8")
    data = _mapdata(text)
    assert [lay["name"] for lay in data["layers"]] == ["outline", "fuas", "pts"]
    assert text.count('<table class="data">') == 1 and "SEZ" not in text
    assert "Qazindustry" not in text and "observed inputs" in text
    # the first view frames the visible layers (the outline), 50 km margin, in km
    outline_km = kw["outline"].to_crs(report.display_projection(*[x.data for x in layers]))
    assert data["bounds"][0] == pytest.approx(outline_km.total_bounds[0] / 1e3 - 50)


def test_kazakhstan_page_uses_its_display_projection(html: tuple[Path, dict[str, Any]]) -> None:
    path, kw = html
    data = _mapdata(path.read_text(encoding="utf-8"))
    sez_km = kw["sez_table"].to_crs(DISPLAY_CRS).geometry.x.to_numpy() / 1e3
    xs = [
        f["geometry"]["coordinates"][0]
        for f in {x["name"]: x for x in data["layers"]}["sez"]["features"]
    ]
    assert xs == pytest.approx(sez_km, abs=0.01)
