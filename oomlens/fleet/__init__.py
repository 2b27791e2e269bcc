"""Fleet: many inputs at once (local pool or Dask) → joinable tables and a summary."""
