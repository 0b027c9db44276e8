"""``python -m brainscore_lcl.cli`` (also under ``torchrun -m``): the ``brainscore`` command."""

import sys

from brainscore_lcl.cli import main

sys.exit(main())
