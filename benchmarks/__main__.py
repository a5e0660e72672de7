"""``python -m benchmarks``: see benchmarks/run.py (``--help`` for the options and large sizes)."""

from benchmarks.run import main

raise SystemExit(main())
