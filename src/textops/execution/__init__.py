"""Running the step graph: runner, cache keys and executors."""
