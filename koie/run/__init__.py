"""Running a pack over a corpus: inputs, batches, workers, resume, limits on work, sinks."""
