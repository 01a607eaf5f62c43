"""Allow `python -m source_posthog.singer`, the same as the `tap-posthog` script."""

import sys

from source_posthog.singer.cli import main

sys.exit(main())
