"""Batch accessibility as Dask tasks: many countries, or many origin chunks.

:func:`batch_networks` runs one accessibility computation per network (one
network per country, each loaded on its worker) and :func:`batch_origins`
splits the origins of one network into chunks (the network is sent to each
worker once). Both gather the results into one table. The work runs on a
``dask.distributed`` cluster given as ``client`` (``"local"``, a scheduler
address or a Client), or in this process when ``client`` is None.

The computation is any callable ``func(net, origins, destinations, **kw)``
returning a (Geo)DataFrame indexed like the origins; by default
:func:`connectivity.time_to_nearest`. Origins may be an
:class:`~connectivity.OriginSet`: its chunks are taken from the snapped set,
so no worker snaps again.

Dask is optional (``pip install "dask[array]" distributed``) and imported
only when a client is asked for.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from connectivity.errors import DataError, ParameterError
from connectivity.measures.nearest import time_to_nearest
from connectivity.network import RoadNetwork
from connectivity.origins import OriginSet, origins_in_chunks

__all__ = ["batch_networks", "batch_origins", "close_client", "get_client"]

log = logging.getLogger(__name__)

#: A network, or a zero-argument callable that loads one (run on the worker).
NetworkSource = RoadNetwork | Callable[[], RoadNetwork]
Accessibility = Callable[..., pd.DataFrame]


def get_client(client: Any = None, *, n_workers: int | None = None) -> tuple[Any, bool]:
    """A ``dask.distributed.Client`` for ``client`` and whether the caller must close it.

    None → (None, False), run in this process; ``"local"`` → a new
    LocalCluster of ``n_workers`` single-threaded processes; a string → the
    scheduler at that address; a Client → itself.
    """
    if client is None:
        return None, False
    try:
        import distributed
    except ImportError as exc:  # pragma: no cover - depends on the environment
        msg = (
            "Dask is not installed: pip install 'fua-toolkit[dask]' "
            "(or 'dask[array]' distributed), or pass client=None"
        )
        raise ModuleNotFoundError(msg) from exc
    if isinstance(client, distributed.Client):
        return client, False
    if client == "local":
        cluster = distributed.LocalCluster(
            n_workers=n_workers or max(1, os.cpu_count() or 1),
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
        )
        return distributed.Client(cluster), True
    if isinstance(client, str):
        return distributed.Client(client), True
    msg = f"client must be None, 'local', a scheduler address or a dask Client, got {type(client).__name__}"
    raise ParameterError(msg)


def close_client(client: Any, owned: bool) -> None:
    """Close a client (and its LocalCluster) that :func:`get_client` created."""
    if owned:
        cluster = getattr(client, "cluster", None)
        client.close()
        if cluster is not None:
            cluster.close()


def _run(func: Accessibility, net: NetworkSource, origins: Any, destinations: Any, kw: dict) -> Any:
    """One task: load the network if needed and run ``func``."""
    network = net() if callable(net) and not isinstance(net, RoadNetwork) else net
    return func(network, origins, destinations, **kw)


def _run_chunk(
    func: Accessibility, net: RoadNetwork, origins: Any, destinations: Any, kw: dict
) -> Any:
    """One task of :func:`batch_origins`: a chunk whose origins may all be off the network."""
    with origins_in_chunks():
        return func(net, origins, destinations, **kw)


def _check_some_joined(frames: Sequence[pd.DataFrame], origins: Any, net: RoadNetwork) -> None:
    """Refuse a batch none of whose origins joins the network (as one run would)."""
    joined = [f.attrs.get("n_on_network") for f in frames]
    if joined and all(j == 0 for j in joined):
        crs = getattr(origins, "crs", None)
        msg = (
            f"none of the {len(origins):,} origins is within max_snap_m of the network; check "
            f"the CRS (origins in {'unknown CRS' if crs is None else crs.to_string()}, network in "
            f"{net.crs.to_string()}) and that both cover the same area, or raise max_snap_m"
        )
        raise DataError(msg)


def _concat(
    frames: list[pd.DataFrame], keys: list[Any] | None, key_name: str, to_crs: Any
) -> pd.DataFrame:
    """One table; a GeoDataFrame when all parts share a CRS (or are put in ``to_crs``)."""
    if to_crs is not None:
        frames = [f.to_crs(to_crs) if hasattr(f, "to_crs") else f for f in frames]
    crs = {str(getattr(f, "crs", None)) for f in frames if len(f)}
    if len(crs) > 1:
        log.info("batch results have %d CRSs: geometry dropped (pass to_crs= to keep it)", len(crs))
        frames = [
            pd.DataFrame(f.drop(columns=f.geometry.name)) if hasattr(f, "geometry") else f
            for f in frames
        ]
    if keys is None:
        out = pd.concat(frames)
    else:
        out = pd.concat(frames, keys=keys, names=[key_name, None])
    attrs = [f.attrs for f in frames]
    out.attrs = (
        {"batches": attrs} if keys is None else {"batches": dict(zip(keys, attrs, strict=True))}
    )
    return out


def batch_networks(
    networks: Mapping[Any, NetworkSource],
    origins: Mapping[Any, Any],
    destinations: Any,
    *,
    func: Accessibility | None = None,
    client: Any = None,
    n_workers: int | None = None,
    key_name: str = "batch",
    to_crs: Any = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """One accessibility computation per network (e.g. per country), gathered into one table.

    Parameters
    ----------
    networks : mapping key -> RoadNetwork or zero-argument loader
        A loader (e.g. ``functools.partial(load_network, path)``) runs on
        the worker, so large networks never pass through this process.
    origins : mapping key -> origins
        The origins of each network (same keys).
    destinations : mapping key -> destinations, or one object for all
    func : callable, optional
        ``func(net, origins, destinations, **kwargs)`` returning a DataFrame;
        default :func:`connectivity.time_to_nearest`.
    client : None, "local", str or dask.distributed.Client
        Where the tasks run (None: here, one after the other).
    n_workers : int, optional
        Workers of a ``"local"`` cluster.
    key_name : str
        Name of the outer index level holding the network key.
    to_crs : optional
        Reproject each result before concatenating (results in different
        CRSs otherwise lose their geometry).
    **kwargs
        Passed to ``func``.

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        The results with a (key, origin index) MultiIndex; ``.attrs["batches"]``
        holds each result's attrs by key.
    """
    keys = list(networks)
    missing = [k for k in keys if k not in origins]
    if missing:
        msg = f"no origins for networks {missing!r}: pass origins with the same keys as networks"
        raise ParameterError(msg)
    if not keys:
        msg = "networks is empty: pass a mapping of key -> RoadNetwork (or loader)"
        raise ParameterError(msg)
    per_dest = isinstance(destinations, Mapping)
    if per_dest:
        missing = [k for k in keys if k not in destinations]
        if missing:
            msg = f"no destinations for networks {missing!r}"
            raise ParameterError(msg)
    fn = func or time_to_nearest
    dest = {k: destinations[k] if per_dest else destinations for k in keys}
    dask_client, owned = get_client(client, n_workers=n_workers)
    try:
        if dask_client is None:
            frames = [_run(fn, networks[k], origins[k], dest[k], kwargs) for k in keys]
        else:
            futures = [
                dask_client.submit(_run, fn, networks[k], origins[k], dest[k], kwargs, pure=False)
                for k in keys
            ]
            frames = dask_client.gather(futures)
    finally:
        close_client(dask_client, owned)
    log.info("batch_networks: %d networks, %d result rows", len(keys), sum(len(f) for f in frames))
    return _concat(list(frames), keys, key_name, to_crs)


def _chunks(origins: Any, n: int, chunk_size: int) -> list[Any]:
    starts = range(0, n, chunk_size)
    if isinstance(origins, OriginSet):
        return [origins.subset(np.arange(s, min(s + chunk_size, n))) for s in starts]
    if hasattr(origins, "iloc"):
        return [origins.iloc[s : s + chunk_size] for s in starts]
    return [origins[s : s + chunk_size] for s in starts]


def batch_origins(
    net: RoadNetwork,
    origins: Any,
    destinations: Any,
    *,
    chunk_size: int = 50_000,
    func: Accessibility | None = None,
    client: Any = None,
    n_workers: int | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """One network, its origins in chunks run as parallel tasks, gathered in input order.

    Parameters
    ----------
    net : RoadNetwork
        Sent to the workers once (``client.scatter(..., broadcast=True)``).
    origins : OriginSet, GeoDataFrame, DataFrame, GeoSeries or array
        Split by position into chunks of ``chunk_size`` (an OriginSet without
        snapping again).
    destinations
        The destinations of every chunk.
    chunk_size : int
        Origins per task.
    func, client, n_workers, **kwargs
        As in :func:`batch_networks`.

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        The chunks' results concatenated in input order (so indexed like the
        origins); ``.attrs["batches"]`` is the list of each chunk's attrs.

    Notes
    -----
    A nearest-destination time is a property of each origin alone (one
    search from the destinations, restricted or not), so results by chunks
    equal the single run; the search from the destinations is repeated per
    chunk, which is the price of the parallelism. A chunk whose origins all
    lie off the network gives rows without a time
    (:func:`~connectivity.origins.origins_in_chunks`); the batch fails, as
    one run would, only when none of the origins joins the network.
    """
    if not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        msg = f"chunk_size must be a positive integer, got {chunk_size!r}"
        raise ParameterError(msg)
    n = len(origins)
    if n == 0:
        msg = "origins is empty"
        raise ParameterError(msg)
    fn = func or time_to_nearest
    parts: Sequence[Any] = _chunks(origins, n, int(chunk_size))
    dask_client, owned = get_client(client, n_workers=n_workers)
    try:
        if dask_client is None:
            frames = [_run_chunk(fn, net, p, destinations, kwargs) for p in parts]
        else:
            [net_f] = dask_client.scatter([net], broadcast=True, hash=False)
            [dest_f] = dask_client.scatter([destinations], broadcast=True, hash=False)
            futures = [
                dask_client.submit(_run_chunk, fn, net_f, p, dest_f, kwargs, pure=False)
                for p in parts
            ]
            frames = dask_client.gather(futures)
    finally:
        close_client(dask_client, owned)
    _check_some_joined(frames, origins, net)
    log.info("batch_origins: %d origins in %d chunks", n, len(parts))
    return _concat(list(frames), None, "", None)
