"""The dlt front end (needs `pip install 'source-posthog[dlt]'`).

`from source_posthog.dlt import posthog` is the dlt source; `load_posthog(pipeline, **config)` loads it checkpoint
by checkpoint and raises after the other streams are loaded if one failed (what `source-posthog-load` runs).
"""

from source_posthog.dlt.runs import LoadResult, load_posthog
from source_posthog.dlt.source import posthog

__all__ = ["LoadResult", "load_posthog", "posthog"]
