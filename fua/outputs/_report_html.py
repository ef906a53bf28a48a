"""CSS and JavaScript of the self-contained HTML report (private).

No external resources: the map is an inline SVG drawn from embedded JSON by
the small script below (pan by dragging, zoom with the wheel or the buttons,
hover for attributes, layer toggles). After drawing, the script records what
it drew in ``data-*`` attributes of ``#map`` (``data-rendered``,
``data-features``, ``data-layers``) and of ``<body>`` (``data-tables``), which
the browser test reads back from the DOM.
"""

from __future__ import annotations

__all__: list[str] = []

CSS = """
:root { --ink:#1d2733; --muted:#5b6773; --line:#d9dee3; --accent:#0b6e99; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); margin: 0; background: #f6f7f9; }
header { background: #12344d; color: #fff; padding: 14px 24px; }
header h1 { margin: 0; font-size: 20px; }
header p { margin: 4px 0 0; color: #cfe0ec; }
.banner { background: #fff4d6; border-bottom: 2px solid #e0a800; padding: 10px 24px;
          font-weight: 600; }
.banner ul { margin: 4px 0 0 18px; padding: 0; font-weight: 400; }
main { padding: 16px 24px 40px; max-width: 1400px; margin: auto; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px;
          padding: 12px 16px; margin: 16px 0; }
h2 { font-size: 17px; margin: 4px 0 10px; }
.kpis { display: flex; flex-wrap: wrap; gap: 10px; }
.kpi { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; min-width: 160px; }
.kpi b { display: block; font-size: 20px; }
.kpi span { color: var(--muted); font-size: 12px; }
#mapwrap { position: relative; border: 1px solid var(--line); height: 620px; background: #eef3f7; }
#map { width: 100%; height: 100%; cursor: grab; display: block; }
#map.dragging { cursor: grabbing; }
.tools { position: absolute; top: 8px; left: 8px; display: flex; flex-direction: column; gap: 4px; }
.tools button { width: 30px; height: 30px; font-size: 16px; border: 1px solid #999;
                background: #fff; border-radius: 4px; cursor: pointer; }
#layers { position: absolute; top: 8px; right: 8px; background: rgba(255,255,255,.94);
          border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; font-size: 12px; }
#layers label { display: block; white-space: nowrap; }
#legend { position: absolute; bottom: 8px; left: 8px; background: rgba(255,255,255,.94);
          border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; font-size: 12px; }
.sw { display: inline-block; width: 12px; height: 12px; margin-right: 6px; vertical-align: -2px;
      border: 1px solid #555; }
#tip { position: absolute; pointer-events: none; background: rgba(20,30,40,.92); color: #fff;
       padding: 6px 8px; border-radius: 4px; font-size: 12px; display: none; max-width: 340px; }
#tip td { padding: 0 6px 0 0; vertical-align: top; }
#maptitle { position: absolute; bottom: 8px; right: 8px; font-size: 11px; color: var(--muted);
            background: rgba(255,255,255,.8); padding: 2px 6px; border-radius: 4px; }
table.data { border-collapse: collapse; width: 100%; font-size: 12.5px; }
table.data th, table.data td { border-bottom: 1px solid var(--line); padding: 4px 6px; text-align: right; }
table.data th { background: #f0f3f6; cursor: pointer; position: sticky; top: 0; }
table.data td.t, table.data th.t { text-align: left; }
.scroll { overflow: auto; max-height: 460px; }
.note { color: var(--muted); font-size: 12.5px; margin: 6px 0; }
figure { margin: 8px 0; display: inline-block; width: 32%; min-width: 320px; vertical-align: top; }
figure img { width: 100%; border: 1px solid var(--line); }
figcaption { font-size: 12px; color: var(--muted); }
"""

JS = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("mapdata").textContent);
  var svg = document.getElementById("map");
  var NS = "http://www.w3.org/2000/svg";
  var tip = document.getElementById("tip");
  var wrap = document.getElementById("mapwrap");
  var b = data.bounds;  // [minx, miny, maxx, maxy] in display km (y up)
  var full = [b[0], -b[3], b[2] - b[0], b[3] - b[1]];
  var view = full.slice();
  var drawn = 0;
  var root = document.createElementNS(NS, "g");
  svg.appendChild(root);

  function ringPath(ring) {
    var s = "";
    for (var i = 0; i < ring.length; i++) {
      s += (i ? "L" : "M") + ring[i][0] + " " + (-ring[i][1]);
    }
    return s;
  }
  function geomPath(g) {
    var s = "", parts;
    if (g.type === "Polygon") { parts = [g.coordinates]; }
    else if (g.type === "MultiPolygon") { parts = g.coordinates; }
    else if (g.type === "LineString") { return ringPath(g.coordinates); }
    else if (g.type === "MultiLineString") {
      for (var k = 0; k < g.coordinates.length; k++) { s += ringPath(g.coordinates[k]); }
      return s;
    } else { return ""; }
    for (var p = 0; p < parts.length; p++) {
      for (var r = 0; r < parts[p].length; r++) { s += ringPath(parts[p][r]) + "Z"; }
    }
    return s;
  }
  function esc(v) {
    return String(v).replace(/[&<>"]/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c];
    });
  }
  function showTip(ev, props, title) {
    var h = "<b>" + esc(title) + "</b><table>";
    for (var k in props) {
      if (Object.prototype.hasOwnProperty.call(props, k)) {
        h += "<tr><td>" + esc(k) + "</td><td>" + esc(props[k]) + "</td></tr>";
      }
    }
    tip.innerHTML = h + "</table>";
    var r = wrap.getBoundingClientRect();
    tip.style.left = (ev.clientX - r.left + 14) + "px";
    tip.style.top = (ev.clientY - r.top + 10) + "px";
    tip.style.display = "block";
  }
  function hideTip() { tip.style.display = "none"; }

  var groups = {};
  data.layers.forEach(function (layer) {
    var g = document.createElementNS(NS, "g");
    g.setAttribute("data-layer", layer.name);
    root.appendChild(g);
    groups[layer.name] = g;
    if (layer.kind === "image") {
      var im = document.createElementNS(NS, "image");
      var e = layer.extent;  // [minx, miny, maxx, maxy]
      im.setAttribute("x", e[0]); im.setAttribute("y", -e[3]);
      im.setAttribute("width", e[2] - e[0]); im.setAttribute("height", e[3] - e[1]);
      im.setAttribute("preserveAspectRatio", "none");
      im.setAttribute("opacity", layer.opacity || 0.8);
      im.setAttribute("href", layer.href);
      g.appendChild(im);
      drawn += 1;
    } else {
      layer.features.forEach(function (f) {
        var el;
        if (f.geometry.type === "Point") {
          el = document.createElementNS(NS, "circle");
          el.setAttribute("cx", f.geometry.coordinates[0]);
          el.setAttribute("cy", -f.geometry.coordinates[1]);
          el.setAttribute("r", layer.radius || 5);
          el.setAttribute("class", "pt");
          el.dataset.r = layer.radius || 5;
        } else {
          el = document.createElementNS(NS, "path");
          el.setAttribute("d", geomPath(f.geometry));
          el.setAttribute("fill-rule", "evenodd");
        }
        var st = f.style || layer.style;
        for (var k in st) {
          if (Object.prototype.hasOwnProperty.call(st, k)) { el.setAttribute(k, st[k]); }
        }
        el.setAttribute("vector-effect", "non-scaling-stroke");
        if (layer.hover !== false) {
          el.addEventListener("mousemove", function (ev) { showTip(ev, f.properties, layer.title); });
          el.addEventListener("mouseleave", hideTip);
        }
        g.appendChild(el);
        drawn += 1;
      });
    }
    if (layer.hidden) { g.style.display = "none"; }
  });

  function apply() {
    svg.setAttribute("viewBox", view.join(" "));
    var px = view[2] / Math.max(svg.clientWidth || 1000, 1);  // km per screen pixel
    var pts = svg.querySelectorAll("circle.pt");
    for (var i = 0; i < pts.length; i++) { pts[i].setAttribute("r", pts[i].dataset.r * px); }
  }
  function zoom(f, cx, cy) {
    if (cx === undefined) { cx = view[0] + view[2] / 2; cy = view[1] + view[3] / 2; }
    var w = view[2] * f, h = view[3] * f;
    if (w > full[2] * 4 || w < full[2] / 200) { return; }
    view = [cx - (cx - view[0]) * f, cy - (cy - view[1]) * f, w, h];
    apply();
  }
  function toMap(ev) {
    var r = svg.getBoundingClientRect();
    var s = Math.max(view[2] / r.width, view[3] / r.height);
    var ox = view[0] + view[2] / 2 - (r.width * s) / 2;
    var oy = view[1] + view[3] / 2 - (r.height * s) / 2;
    return [ox + (ev.clientX - r.left) * s, oy + (ev.clientY - r.top) * s, s];
  }
  svg.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var m = toMap(ev);
    zoom(ev.deltaY < 0 ? 0.8 : 1.25, m[0], m[1]);
  }, {passive: false});
  var drag = null;
  svg.addEventListener("mousedown", function (ev) {
    drag = [ev.clientX, ev.clientY, view[0], view[1], toMap(ev)[2]];
    svg.classList.add("dragging");
  });
  window.addEventListener("mousemove", function (ev) {
    if (!drag) { return; }
    view[0] = drag[2] - (ev.clientX - drag[0]) * drag[4];
    view[1] = drag[3] - (ev.clientY - drag[1]) * drag[4];
    apply();
  });
  window.addEventListener("mouseup", function () { drag = null; svg.classList.remove("dragging"); });
  document.getElementById("zin").onclick = function () { zoom(0.7); };
  document.getElementById("zout").onclick = function () { zoom(1 / 0.7); };
  document.getElementById("zreset").onclick = function () { view = full.slice(); apply(); };

  var box = document.getElementById("layers");
  data.layers.forEach(function (layer) {
    var lab = document.createElement("label");
    var cb = document.createElement("input");
    cb.type = "checkbox"; cb.checked = !layer.hidden;
    cb.onchange = function () { groups[layer.name].style.display = cb.checked ? "" : "none"; };
    lab.appendChild(cb);
    lab.appendChild(document.createTextNode(" " + layer.title));
    box.appendChild(lab);
  });
  apply();
  svg.dataset.features = String(drawn);
  svg.dataset.layers = String(data.layers.length);
  svg.dataset.rendered = drawn > 0 ? "true" : "false";

  // sortable tables
  var tables = document.querySelectorAll("table.data");
  Array.prototype.forEach.call(tables, function (t) {
    var ths = t.querySelectorAll("thead th");
    Array.prototype.forEach.call(ths, function (th, col) {
      th.addEventListener("click", function () {
        var body = t.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var asc = th.dataset.sort !== "asc";
        rows.sort(function (a, b2) {
          var x = a.cells[col].dataset.v, y = b2.cells[col].dataset.v;
          var nx = parseFloat(x), ny = parseFloat(y);
          var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : String(x).localeCompare(String(y));
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
        th.dataset.sort = asc ? "asc" : "desc";
      });
    });
  });
  var nrows = 0;
  Array.prototype.forEach.call(tables, function (t) { nrows += t.tBodies[0].rows.length; });
  document.body.dataset.tables = String(tables.length);
  document.body.dataset.tableRows = String(nrows);
})();
"""
