"""``python -m tfckpt`` runs the command-line interface."""

from tfckpt.cli.main import main_exit

main_exit()
