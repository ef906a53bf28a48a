"""``python -m connectivity`` runs the ``connectivity`` command line."""

from connectivity.cli import main

main()
