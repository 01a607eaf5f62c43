"""A page of a custom query written as records, and the repeated keys it showed (a key that is not unique)."""

from dataclasses import dataclass
from typing import Any

from source_posthog.streams.context import ReadContext, Sink
from source_posthog.streams.query.keyset import Page
from source_posthog.streams.stream import CustomSpec, Stream


@dataclass
class RepeatedKeys:
    """Rows dropped in one project because their key repeated the previous row's, and the first such key."""

    stream: Stream[CustomSpec]
    project_id: int
    dropped: int = 0
    example: Any = None

    def add(self, page: Page) -> None:
        """Count a page's repeats."""
        if page.dropped and self.example is None:
            self.example = page.dropped_key
        self.dropped += page.dropped

    def warn(self, sink: Sink) -> None:
        """One WARN per project when the key was not unique: rows were dropped, never merged silently."""
        if not self.dropped:
            return
        key = ", ".join(self.stream.read.key)
        sink.log(
            "WARN",
            f"Custom query stream {self.stream.name}: its primary_key ({key}) is not unique in project "
            f"{self.project_id}: {self.dropped} row(s) repeated a key just read, e.g. {self.example!r}, and were "
            "dropped (rows sharing a key across pages can be missed too). Choose columns that identify one row.",
        )


def write_page(
    stream: Stream[CustomSpec], context: ReadContext, project_id: int, page: Page, repeated: RepeatedKeys
) -> int:
    """Write the page's rows as records (with `project_id`), release them; returns how many."""
    repeated.add(page)
    for record in page.dicts():
        record["project_id"] = project_id
        context.sink.record(stream.name, record)
    page.release()
    context.progress.page(stream.name, page.count, f"project {project_id}")
    return page.count
