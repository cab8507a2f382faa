"""The ``tfckpt`` command line: ``main(argv) -> int``, one module per command."""
