"""A local batch worker process: ``python -m oomlens.fleet.worker FD`` (see oomlens.fleet.pool)."""

from __future__ import annotations

import sys


def main() -> None:
    """Build the parser once, then analyse the batches the parent sends until it stops."""
    from oomlens.fleet.engines import init_worker, process_batch
    from oomlens.fleet.pool import serve

    init_worker()
    serve(int(sys.argv[1]), lambda options, batch: process_batch(batch, options))  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
