"""``python -m oomlens``: the same as the ``oomlens`` command."""

from oomlens.cli import main

raise SystemExit(main())
