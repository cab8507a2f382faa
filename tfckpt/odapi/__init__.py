"""Knowledge of the TensorFlow Object Detection API, kept as data and small pure functions."""
