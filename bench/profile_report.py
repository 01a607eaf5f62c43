"""Where the time goes: one cProfile'd read, summarised as the top functions by own and total time."""

import io
import pstats
import subprocess
from pathlib import Path

TOP = 20


def profile_report(command: list[str], results: Path, size: int) -> str:
    """Run the cProfile'd `command` (output discarded), save the full stats and return a summary."""
    with (results / f"profile-{size}.stderr").open("wb") as err:
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=err, check=True)
    profile = results / f"profile-{size}.prof"
    text = io.StringIO()
    stats = pstats.Stats(str(profile), stream=text)
    stats.strip_dirs()
    text.write(f"=== profile of ours at {size:,} events: top {TOP} by own time (tottime) ===\n")
    stats.sort_stats("tottime").print_stats(TOP)
    text.write(f"=== top {TOP} by cumulative time ===\n")
    stats.sort_stats("cumulative").print_stats(TOP)
    summary = text.getvalue()
    (results / f"profile-{size}.txt").write_text(summary)
    return summary
