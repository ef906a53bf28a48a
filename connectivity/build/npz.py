"""The ``.npz`` file of a network: its arrays, the CRS as WKT and ``meta`` as JSON.

Used by :meth:`RoadNetwork.save <connectivity.RoadNetwork.save>` and
:meth:`RoadNetwork.load <connectivity.RoadNetwork.load>`; the functions take
and return the network's fields as a dict.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from pyproj import CRS

from connectivity.errors import InputFileError, ParameterError
from connectivity.outputs import jsonable, safe_path

__all__ = ["NPZ_FORMAT", "read_network_npz", "write_network_npz"]

#: Marker stored in the file (the ``format`` array).
NPZ_FORMAT = "fua-toolkit/RoadNetwork/1"
_ARRAYS = ("x", "y", "indptr", "indices", "time_min", "length_m", "road_class")
_OPTIONAL = ("node_source_ids", "edge_source_ids")


def write_network_npz(
    path: str | os.PathLike[str], fields: Mapping[str, Any], *, overwrite: bool, compress: bool
) -> Path:
    """Write the fields of a network to ``path`` (``.npz``) through a temporary file."""
    p = Path(path)
    if p.suffix != ".npz":
        msg = f"save path {str(p)!r} must end in .npz"
        raise ParameterError(msg)
    arrays: dict[str, Any] = {
        "format": np.array(NPZ_FORMAT),
        **{k: fields[k] for k in _ARRAYS},
        **{k: fields[k] for k in _OPTIONAL if fields.get(k) is not None},
        "class_names": np.array(fields["class_names"], dtype=str),
        "crs_wkt": np.array(fields["crs"].to_wkt()),
        "meta_json": np.array(json.dumps(jsonable(fields["meta"]))),
    }
    with safe_path(p, overwrite=overwrite) as tmp, tmp.open("wb") as fh:
        (np.savez_compressed if compress else np.savez)(fh, **arrays)
    return p


def read_network_npz(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The fields of a network written by :func:`write_network_npz`, checked.

    A file that is not a zip of arrays, was written by another version of the
    toolkit (another ``format``), lacks arrays or has arrays that do not fit
    together raises :class:`~connectivity.InputFileError` saying how to
    re-create it.
    """
    p = Path(path)
    if not p.is_file():
        msg = f"network file {str(p)!r} does not exist"
        raise InputFileError(msg)
    redo = "re-create it with RoadNetwork.save or `connectivity build`"
    try:
        with np.load(p, allow_pickle=False) as z:
            fmt = str(z["format"]) if "format" in z.files else None
            if (
                fmt is not None
                and fmt.startswith(NPZ_FORMAT.rsplit("/", 1)[0])
                and fmt != NPZ_FORMAT
            ):
                msg = (
                    f"{str(p)!r} was written by another version of the toolkit (format {fmt!r}; "
                    f"this version reads {NPZ_FORMAT!r}); {redo}"
                )
                raise InputFileError(msg)
            if fmt != NPZ_FORMAT:
                msg = f"{str(p)!r} is not a RoadNetwork file written by RoadNetwork.save; {redo}"
                raise InputFileError(msg)
            d = {k: z[k] for k in z.files}
        fields = {
            **{k: d[k] for k in _ARRAYS},
            **{k: d.get(k) for k in _OPTIONAL},
            "class_names": tuple(str(c) for c in d["class_names"]),
            "crs": CRS.from_wkt(str(d["crs_wkt"])),
            "meta": json.loads(str(d["meta_json"])),
        }
    except InputFileError:
        raise
    except KeyError as exc:
        msg = f"network file {str(p)!r} lacks the array {exc.args[0]!r} (incomplete or damaged); {redo}"
        raise InputFileError(msg) from exc
    except Exception as exc:
        msg = f"cannot read network file {str(p)!r}: {exc}; {redo}"
        raise InputFileError(msg) from exc
    _check_consistent(fields, p, redo)
    return fields


def _check_consistent(f: Mapping[str, Any], p: Path, redo: str) -> None:
    """The arrays of a network fit together (sizes, CSR pointers, node numbers)."""
    n, indptr, indices = f["x"].size, f["indptr"], f["indices"]
    m = indices.size
    problems = []
    if f["y"].size != n or indptr.size != n + 1:
        problems.append("node arrays of different lengths")
    elif indptr[0] != 0 or indptr[-1] != m or (np.diff(indptr) < 0).any():
        problems.append("a broken CSR index")
    elif m and (indices.min() < 0 or indices.max() >= n):
        problems.append("edges to nodes that do not exist")
    if any(f[k].size != m for k in ("time_min", "length_m", "road_class")):
        problems.append("edge arrays of different lengths")
    if problems:
        msg = f"network file {str(p)!r} is damaged ({'; '.join(problems)}); {redo}"
        raise InputFileError(msg)
