"""`python -m annotator`: the headless CLI (the app itself starts from `annotator`)."""

from __future__ import annotations

import sys

from annotator.cli import main

sys.exit(main())
