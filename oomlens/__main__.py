"""``python -m oomlens``: the same as the ``oomlens`` command."""

from .cli import main

raise SystemExit(main())
