"""`python -m source_posthog.dlt`: the same as `source-posthog-load`."""

import sys

from source_posthog.dlt.cli import main

if __name__ == "__main__":  # dlt's normalize may spawn processes, which import this module again
    sys.exit(main())
