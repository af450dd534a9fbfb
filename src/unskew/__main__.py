"""``python -m unskew`` runs the command line."""

from unskew.cli import main

main()
