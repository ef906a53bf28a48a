"""Wall time of the full offline demo (`fua demo`) on the embedded Kazakhstan data.

Run on demand:  python tests/benchmarks/bench_demo.py [OUT_DIR]
Target: under a minute on a 2-core machine (the modelled surface cached;
the first run also builds it, a few seconds more).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from fua.kazakhstan.pipeline import run_demo


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="bench-demo-"))
    t0 = time.perf_counter()
    res = run_demo(out, overwrite=True)
    total = time.perf_counter() - t0
    for step, s in res.timings_s.items():
        print(f"{step:<24} {s:6.1f} s")
    print(f"{'total':<24} {total:6.1f} s -> {out}")


if __name__ == "__main__":
    main()
