"""Downloads through pooch: Geofabrik OSM extracts checked against their MD5, and any file.

:func:`fetch_osm` downloads ``<region>-latest.osm.pbf`` from Geofabrik
together with the ``.md5`` file Geofabrik publishes beside every extract,
checks the download against it, and caches it; a later call reuses the
cached file when its checksum still matches the published one (or, offline,
the checksum recorded when it was downloaded).

The downloads themselves are pooch's (https://www.fatiando.org/pooch): the
file streams into a temporary file, is checked against its known hash, moved
into place, and the download is tried again (:data:`DOWNLOAD_RETRIES`) after a
network error or a hash mismatch. :func:`cached_download` keeps a file in a
folder, reused while it matches its known hash (pooch's registry);
:func:`download_file` downloads one file through a staged path
(:func:`connectivity.outputs.safe_path`). Both are used by :mod:`fua.fetch`.

The server is ``https://download.geofabrik.de`` unless ``base_url=`` or the
``CONNECTIVITY_GEOFABRIK_URL`` environment variable says otherwise (tests
point it at a local server). The command line is ``connectivity fetch osm``
(:mod:`connectivity.cli.fetch`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pooch
import requests

from connectivity.cache import cache_root
from connectivity.errors import InputFileError, ParameterError
from connectivity.outputs import safe_path
from connectivity.progress import bar

__all__ = [
    "DOWNLOAD_RETRIES",
    "GEOFABRIK_REGIONS",
    "GEOFABRIK_URL",
    "Download",
    "cached_download",
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
#: Further tries after a network error, a server error (5xx) or a hash mismatch.
DOWNLOAD_RETRIES = 2
_USER_AGENT = "fua-toolkit (https://pypi.org/project/fua-toolkit)"
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


def _check_url(url: str) -> None:
    if not url.startswith(("http://", "https://")):
        msg = f"only http(s) URLs can be downloaded, got {url!r}"
        raise ParameterError(msg)


@contextlib.contextmanager
def _download_errors(url: str) -> Iterator[None]:
    """requests' and pooch's errors as one-line :class:`InputFileError` that say what to do."""
    try:
        yield
    except requests.HTTPError as exc:
        r = exc.response
        status = "" if r is None else f": HTTP {r.status_code} {r.reason}"
        msg = f"cannot download {url}{status}"
        raise InputFileError(msg) from exc
    except requests.RequestException as exc:
        msg = (
            f"cannot reach {url}: {exc}; check the connection, or point the base URL "
            "(base_url= / environment variable) at a mirror"
        )
        raise InputFileError(msg) from exc
    except ValueError as exc:  # pooch: the hash of the download does not match
        msg = (
            f"checksum mismatch for {url}: {exc}; the file was deleted — try again (the file "
            "may have been updated mid-download; refresh=True / --refresh takes a new version)"
        )
        raise InputFileError(msg) from exc


class _HttpDownloader:
    """pooch's HTTP downloader with the toolkit's user agent, timeout and progress bar.

    A 4xx answer (missing file, no access) raises :class:`InputFileError`
    at once; pooch retries only network and server errors and hash mismatches.
    """

    def __init__(self, *, progress: bool, timeout: float, desc: str) -> None:
        self.progress, self.timeout, self.desc = progress, timeout, desc

    def __call__(self, url: str, output_file: Any, pup: Any, check_only: bool = False) -> Any:
        shown: Any = False
        if self.progress:
            shown = bar(enabled=True, desc=self.desc, unit="B", unit_scale=True, leave=False)
        http = pooch.HTTPDownloader(
            progressbar=shown, timeout=self.timeout, headers={"User-Agent": _USER_AGENT}
        )
        try:
            return http(url, output_file, pup, check_only=check_only)
        except requests.HTTPError as exc:
            r = exc.response
            if r is not None and 400 <= r.status_code < 500:
                msg = f"cannot download {url}: HTTP {r.status_code} {r.reason}"
                raise InputFileError(msg) from exc
            raise


class _ToLogger(logging.Handler):
    """Hands pooch's messages (downloads, retries) to a logger of this package."""

    def __init__(self, target: logging.Logger) -> None:
        super().__init__()
        self.target = target

    def emit(self, record: logging.LogRecord) -> None:
        if self.target.isEnabledFor(record.levelno):
            self.target.handle(record)


@contextlib.contextmanager
def _pooch_logs() -> Iterator[None]:
    """pooch's logger (its own stderr handler by default) through :data:`log`."""
    plog = pooch.get_logger()
    saved = plog.handlers[:]
    plog.handlers = [_ToLogger(log)]
    try:
        yield
    finally:
        plog.handlers = saved


def _pooch_fetch(
    url: str,
    target: Path,
    known_hash: str | None,
    *,
    progress: bool,
    timeout: float,
    retries: int | None = None,
) -> str:
    """Fetch ``url`` to ``target`` with pooch; pooch's action: download, update or fetch (cached)."""
    pup = pooch.create(
        path=target.parent,
        base_url=url.rsplit("/", 1)[0],
        registry={target.name: known_hash},
        urls={target.name: url},
        retry_if_failed=DOWNLOAD_RETRIES if retries is None else retries,
    )
    actions: list[str] = []

    def note(fname: str, action: str, _: Any) -> str:
        actions.append(action)
        return fname

    downloader = _HttpDownloader(progress=progress, timeout=timeout, desc=target.name)
    with _pooch_logs(), _download_errors(url):
        pup.fetch(target.name, processor=note, downloader=downloader)
    return actions[0]


def cached_download(
    url: str,
    path: str | os.PathLike[str],
    *,
    known_hash: str | None = None,
    refresh: bool = False,
    progress: bool = False,
    timeout: float = 60.0,
    retries: int | None = None,
) -> tuple[Path, bool]:
    """``url`` kept at ``path``: reused while it matches ``known_hash``, else downloaded.

    Parameters
    ----------
    url : str
        An http(s) URL.
    path : path-like
        The cached file; its folder is created.
    known_hash : str, optional
        ``"md5:<hex>"`` or ``"sha256:<hex>"`` (pooch's notation). A cached file
        that does not match is downloaded again, and every download must
        match. ``None``: an existing file is reused unchecked.
    refresh : bool
        Download again even if the cached file matches; the old file is
        replaced only when the new one is complete (and matches).
    progress : bool
        Show a progress bar (bytes; on a terminal only).
    timeout : float
        Socket timeout in seconds.
    retries : int, optional
        Further tries after a network error, a 5xx answer or a hash mismatch
        (default :data:`DOWNLOAD_RETRIES`).

    Returns
    -------
    (pathlib.Path, bool)
        The file, and whether it was downloaded (False: the cached file was used).

    Raises
    ------
    InputFileError
        HTTP error (``"HTTP 404"`` in the message for a missing file),
        unreachable server, or a checksum mismatch after the retries.
    """
    _check_url(url)
    target = Path(path)
    if refresh and target.exists():
        with safe_path(target, overwrite=True) as tmp:
            _pooch_fetch(url, tmp, known_hash, progress=progress, timeout=timeout, retries=retries)
        return target, True
    action = _pooch_fetch(
        url, target, known_hash, progress=progress, timeout=timeout, retries=retries
    )
    return target, action != "fetch"


def fetch_text(url: str, *, timeout: float = 60.0) -> str:
    """GET a small text resource (e.g. a ``.md5`` file)."""
    _check_url(url)
    with _download_errors(url):
        r = requests.get(url, timeout=timeout, headers={"User-Agent": _USER_AGENT})
        r.raise_for_status()
    return r.text[: 1 << 16]


def download_file(
    url: str,
    dest: str | os.PathLike[str],
    *,
    expected_md5: str | None = None,
    overwrite: bool = False,
    progress: bool = False,
    timeout: float = 60.0,
) -> Download:
    """Download ``url`` to ``dest`` through a staged path; check its MD5 when given.

    Parameters
    ----------
    url : str
        An http(s) URL.
    dest : path-like
        Target file; its folder is created.
    expected_md5 : str, optional
        Hex MD5 the download must have (else it is deleted and an error raised).
    overwrite : bool
        Replace an existing ``dest`` (only once the new file is complete).
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
    known = None if expected_md5 is None else f"md5:{expected_md5.lower()}"
    with safe_path(target, overwrite=overwrite) as tmp:
        _pooch_fetch(url, tmp, known, progress=progress, timeout=timeout)
    size = target.stat().st_size
    log.info("downloaded %s (%.1f MB) -> %s", url, size / 1e6, target)
    return Download(target, url, size, pooch.file_hash(str(target)), file_md5(target))


def file_md5(path: str | os.PathLike[str]) -> str:
    """Hex MD5 of a file (streamed; ``pooch.file_hash``)."""
    return str(pooch.file_hash(str(path), alg="md5"))


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
    try:
        published = _parse_md5(fetch_text(url + ".md5", timeout=timeout), url + ".md5")
    except InputFileError:
        cached = _read_record(record) if target.exists() else None
        if cached and not refresh and file_md5(target) == cached.get("md5"):
            log.warning("server unreachable; using the cached %s (downloaded %s)",
                        target, cached.get("downloaded_at"))  # fmt: skip
            return target
        raise
    _, downloaded = cached_download(
        url, target, known_hash=f"md5:{published}", refresh=refresh, progress=progress,
        timeout=timeout,
    )  # fmt: skip
    if not downloaded:
        log.info("cached %s matches the published MD5; not downloading", target)
        return target
    size = target.stat().st_size
    log.info("downloaded %s (%.1f MB) -> %s", url, size / 1e6, target)
    record.write_text(
        json.dumps(
            {"url": url, "size": size, "md5": published, "sha256": pooch.file_hash(str(target)),
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
