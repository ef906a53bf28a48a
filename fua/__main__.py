"""``python -m fua`` runs the ``fua`` command line."""

from fua.cli import main

main()
