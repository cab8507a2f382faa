"""TensorFlow Model Garden (tf-models-official, ``official.vision``) knowledge, as data: checkpoint
layouts, what ``init_checkpoint_modules`` binds, and recognising a detection checkpoint."""
