"""`python -m engagerules`: the same as the `engagerules` command."""

import sys

from engagerules.cli import main

sys.exit(main())
