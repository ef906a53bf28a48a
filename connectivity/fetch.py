"""Download OpenStreetMap extracts (Geofabrik) with caching and MD5 checks.

:func:`fetch_osm` downloads ``<region>-latest.osm.pbf`` from Geofabrik
together with the ``.md5`` file Geofabrik publishes beside every extract,
checks the download against it, and caches it; a later call reuses the
cached file when its checksum still matches the published one (or, offline,
the checksum recorded when it was downloaded). :func:`download_file` is the
generic streaming downloader (staged with :func:`connectivity.outputs.safe_path`)
used here and by :mod:`fua.fetch`.

The server is ``https://download.geofabrik.de`` unless ``base_url=`` or the
``CONNECTIVITY_GEOFABRIK_URL`` environment variable says otherwise (tests
point it at a local server). The command line is ``connectivity fetch osm``
(:mod:`connectivity.cli.fetch`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectivity.cache import cache_root
from connectivity.errors import InputFileError, ParameterError
from connectivity.outputs import safe_path
from connectivity.progress import bar

__all__ = [
    "GEOFABRIK_REGIONS",
    "GEOFABRIK_URL",
    "Download",
    "download_file",
    "fetch_osm",
    "fetch_text",
    "file_md5",
    "geofabrik_url",
    "osm_cache_directory",
]

log = logging.getLogger(__name__)

#: Geofabrik's download server.
GEOFABRIK_URL = "https://download.geofabrik.de"
#: ISO 3166-1 alpha-3 code -> Geofabrik region path (extend with ``region=``).
GEOFABRIK_REGIONS = {
    "KAZ": "asia/kazakhstan",
    "KGZ": "asia/kyrgyzstan",
    "UZB": "asia/uzbekistan",
    "TJK": "asia/tajikistan",
    "TKM": "asia/turkmenistan",
    "MNG": "asia/mongolia",
}
_USER_AGENT = "fua-toolkit (https://pypi.org/project/fua-toolkit)"
_CHUNK = 1 << 20
_REGION_RE = re.compile(r"^[a-z0-9-]+(/[a-z0-9-]+)*$")


@dataclass(frozen=True)
class Download:
    """A downloaded file with its size and checksums."""

    path: Path
    url: str
    size: int
    sha256: str
    md5: str


def osm_cache_directory(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Cache directory for OSM extracts.

    Order: ``cache_dir``; else the ``osm/`` folder of the shared cache
    (``CONNECTIVITY_CACHE_DIR``, ``FUA_CACHE_DIR``, then the platform's user
    cache, see :func:`connectivity.cache.cache_root`).
    """
    hint = "pass out_dir=/cache_dir="
    if cache_dir is not None:
        return cache_root(cache_dir, hint=hint)
    root = cache_root(env=("CONNECTIVITY_CACHE_DIR", "FUA_CACHE_DIR"), hint=hint)
    return cache_root(root / "osm", hint=hint)


def _open(url: str, timeout: float) -> Any:
    req = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    try:
        return urllib.request.urlopen(req, timeout=timeout)
    except urllib.error.HTTPError as exc:
        msg = f"cannot download {url}: HTTP {exc.code} {exc.reason}"
        raise InputFileError(msg) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        msg = (
            f"cannot reach {url}: {getattr(exc, 'reason', exc)}; check the connection, or point "
            "the base URL (base_url= / environment variable) at a mirror"
        )
        raise InputFileError(msg) from exc


def _check_url(url: str) -> None:
    if not url.startswith(("http://", "https://")):
        msg = f"only http(s) URLs can be downloaded, got {url!r}"
        raise ParameterError(msg)


def fetch_text(url: str, *, timeout: float = 60.0) -> str:
    """GET a small text resource (e.g. a ``.md5`` file)."""
    _check_url(url)
    with _open(url, timeout) as r:
        return bytes(r.read(1 << 16)).decode("utf-8", errors="replace")


def download_file(
    url: str,
    dest: str | os.PathLike[str],
    *,
    expected_md5: str | None = None,
    overwrite: bool = False,
    progress: bool = False,
    timeout: float = 60.0,
) -> Download:
    """Stream ``url`` to ``dest`` through a temporary file; check its MD5 when given.

    Parameters
    ----------
    url : str
        An http(s) URL.
    dest : path-like
        Target file; its folder is created.
    expected_md5 : str, optional
        Hex MD5 the download must have (else it is deleted and an error raised).
    overwrite : bool
        Replace an existing ``dest``.
    progress : bool
        Show a progress bar (bytes; on a terminal only).
    timeout : float
        Socket timeout in seconds.

    Returns
    -------
    Download

    Raises
    ------
    InputFileError
        HTTP error, unreachable server, or a checksum mismatch.
    OutputExistsError
        ``dest`` exists and ``overwrite`` is False.
    """
    _check_url(url)
    target = Path(dest)
    sha, md5 = hashlib.sha256(), hashlib.md5()
    size = 0
    with safe_path(target, overwrite=overwrite) as tmp:
        with _open(url, timeout) as r, tmp.open("wb") as f:
            total = int(r.headers.get("Content-Length") or 0) or None
            with bar(total=total, enabled=progress, desc=target.name, unit="B",
                     unit_scale=True, leave=False) as shown:  # fmt: skip
                while chunk := r.read(_CHUNK):
                    f.write(chunk)
                    sha.update(chunk)
                    md5.update(chunk)
                    size += len(chunk)
                    shown.update(len(chunk))
        if total is not None and size != total:
            msg = f"download of {url} stopped after {size} of {total} bytes; try again"
            raise InputFileError(msg)
        got = md5.hexdigest()
        if expected_md5 is not None and got.lower() != expected_md5.lower():
            msg = (
                f"checksum mismatch for {url}: MD5 {got}, published {expected_md5}; the file "
                "was deleted — try again (the extract may have been updated mid-download)"
            )
            raise InputFileError(msg)
    log.info("downloaded %s (%.1f MB) -> %s", url, size / 1e6, target)
    return Download(target, url, size, sha.hexdigest(), got)


def file_md5(path: str | os.PathLike[str]) -> str:
    """Hex MD5 of a file (streamed)."""
    h = hashlib.md5()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def geofabrik_url(region: str, *, base_url: str | None = None) -> str:
    """URL of ``<region>-latest.osm.pbf`` on Geofabrik (or ``base_url``)."""
    if not _REGION_RE.match(region):
        msg = f"region {region!r} must be a Geofabrik path like 'asia/kazakhstan'"
        raise ParameterError(msg)
    base = (base_url or os.environ.get("CONNECTIVITY_GEOFABRIK_URL") or GEOFABRIK_URL).rstrip("/")
    return f"{base}/{region}-latest.osm.pbf"


def _parse_md5(text: str, url: str) -> str:
    m = re.match(r"^\s*([0-9a-fA-F]{32})\b", text)
    if not m:
        msg = f"{url} does not hold an MD5 checksum (got {text[:60]!r})"
        raise InputFileError(msg)
    return m.group(1).lower()


def fetch_osm(
    *,
    country: str | None = "KAZ",
    region: str | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    base_url: str | None = None,
    refresh: bool = False,
    progress: bool = False,
    timeout: float = 60.0,
) -> Path:
    """Download (or reuse from the cache) a Geofabrik OSM extract, checked against its MD5.

    Parameters
    ----------
    country : str, optional
        ISO alpha-3 code in :data:`GEOFABRIK_REGIONS` (default ``"KAZ"``).
    region : str, optional
        A Geofabrik path instead (e.g. ``"asia/kyrgyzstan"``).
    out_dir : path-like, optional
        Where to keep the file (default :func:`osm_cache_directory`).
    base_url : str, optional
        Server root (default Geofabrik, or ``CONNECTIVITY_GEOFABRIK_URL``).
    refresh : bool
        Download again even when the cached file matches.
    progress : bool
        Show a download progress bar.

    Returns
    -------
    pathlib.Path
        The ``.osm.pbf`` file; beside it ``<name>.json`` records URL, size,
        MD5, SHA-256 and download time.

    Notes
    -----
    Geofabrik publishes ``<region>-latest.osm.pbf.md5`` beside each extract
    (https://download.geofabrik.de/asia/kazakhstan.html). The cached file is
    reused when its MD5 equals the published one; when the server cannot be
    reached a cached file is reused if it still matches the MD5 recorded at
    download time (logged), otherwise the error is raised.
    """
    if region is None:
        if country is None or country.upper() not in GEOFABRIK_REGIONS:
            msg = (
                f"unknown country {country!r}; known: {', '.join(sorted(GEOFABRIK_REGIONS))} — "
                "or pass region='continent/country' (a Geofabrik path)"
            )
            raise ParameterError(msg)
        region = GEOFABRIK_REGIONS[country.upper()]
    url = geofabrik_url(region, base_url=base_url)
    folder = Path(out_dir) if out_dir is not None else osm_cache_directory()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / url.rsplit("/", 1)[1]
    record = target.with_suffix("").with_suffix(".json")  # kazakhstan-latest.json
    cached = _read_record(record) if target.exists() else None
    try:
        published = _parse_md5(fetch_text(url + ".md5", timeout=timeout), url + ".md5")
    except InputFileError:
        if cached and not refresh and file_md5(target) == cached.get("md5"):
            log.warning("server unreachable; using the cached %s (downloaded %s)",
                        target, cached.get("downloaded_at"))  # fmt: skip
            return target
        raise
    if target.exists() and not refresh and file_md5(target) == published:
        log.info("cached %s matches the published MD5; not downloading", target)
        return target
    dl = download_file(url, target, expected_md5=published, overwrite=True, progress=progress,
                       timeout=timeout)  # fmt: skip
    record.write_text(
        json.dumps(
            {"url": url, "size": dl.size, "md5": dl.md5, "sha256": dl.sha256,
             "downloaded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
             "licence": "© OpenStreetMap contributors, ODbL 1.0"},
            indent=2,
        ),
        encoding="utf-8",
    )  # fmt: skip
    return target


def _read_record(path: Path) -> dict[str, Any] | None:
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return d if isinstance(d, dict) else None
