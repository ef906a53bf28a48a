"""The test suite: its folders mirror the packages (tests/connectivity/, tests/fua/...).

``ROOT`` is the project's root folder, for tests that read README.md or run
scripts, wherever in the tree they sit.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
