"""Allow `python -m source_posthog`, the same as the `source-posthog` script."""

import sys

from source_posthog.airbyte.cli import main

sys.exit(main())
