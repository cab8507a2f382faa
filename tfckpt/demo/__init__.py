"""The built-in end-to-end run: train a tiny model on synthetic data, checkpoint it, inspect it."""
