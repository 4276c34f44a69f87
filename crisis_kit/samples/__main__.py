"""``python -m crisis_kit.samples DIR``: write the sample incident."""

import sys

from .generator import main

sys.exit(main())
