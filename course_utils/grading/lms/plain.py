"""Any folder that no LMS named: one folder or ``.zip`` per student, named by the student."""

from __future__ import annotations

from course_utils import challenge
from course_utils.grading.lms.base import Download, Layout, Part, Submission, slug


class Plain(Layout):
    """One entry, one student; nothing goes back to an LMS."""

    name = "plain"
    title = "plain"
    label = "one folder or .zip per student"

    def matches(self, entry: str) -> bool:
        return False

    def read(self, download: Download) -> tuple[list[Submission], list[str]]:
        return [], list(download.entries)


def plain_submission(entry: str) -> Submission:
    """One entry, one student: named by the entry, without ``.zip`` and without the
    ``entrega_`` of ``save_submission``'s archive (``entrega_maria.zip`` is ``maria``)."""
    name = entry[:-4] if entry.lower().endswith(".zip") else entry
    prefix = challenge.ARCHIVE_TEMPLATE.split("{", 1)[0]
    if name.startswith(prefix) and len(name) > len(prefix):
        name = name[len(prefix):]
    return Submission(slug(name), parts=[Part(entry)])
