"""Reading TensorFlow checkpoints without TensorFlow: index, data shards, state file, discovery, summaries."""
