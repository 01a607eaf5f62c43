"""The dlt front end (needs `pip install 'source-posthog[dlt]'`).

`from source_posthog.dlt import posthog` is the dlt source; `load_posthog(pipeline, **config)` loads it checkpoint
by checkpoint and raises after the other streams are loaded if one failed (what `source-posthog-load` runs).
Both are imported on first use (PEP 562 `__getattr__`), so `source-posthog-load` (cli.py) starts without dlt
and can say how to install it instead of failing with a traceback.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from source_posthog.dlt.runs import LoadResult, load_posthog
    from source_posthog.dlt.source import posthog

__all__ = ["LoadResult", "load_posthog", "posthog"]


def __getattr__(name: str) -> Any:
    """The dlt-backed names, imported when first asked for."""
    if name == "posthog":
        from source_posthog.dlt.source import posthog  # noqa: PLC0415 (dlt is optional)

        return posthog
    if name in {"LoadResult", "load_posthog"}:
        from source_posthog.dlt import runs  # noqa: PLC0415 (dlt is optional)

        return getattr(runs, name)
    raise AttributeError(name)
