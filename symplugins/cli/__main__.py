"""``python -m symplugins.cli``."""
import sys

from symplugins.cli import main

sys.exit(main())
