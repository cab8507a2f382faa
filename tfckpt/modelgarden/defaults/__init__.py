"""Model Garden experiment defaults as data (see tfckpt/modelgarden/experiments.py)."""
