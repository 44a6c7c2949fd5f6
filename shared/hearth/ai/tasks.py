"""The tasks a run can ask for: what each may be about (its subject types) and whether it needs a
subject. The API validates ``POST /v1/ai/runs`` with this table::

    TASKS["summarize"].subjects        # frozenset({"company", "person", "deal", "project"})
    TASKS["ask"].needs_subject         # False
"""

from __future__ import annotations

from dataclasses import dataclass

SubjectType = str

ALL_SUBJECTS: frozenset[SubjectType] = frozenset({"company", "person", "deal", "project"})


@dataclass(frozen=True, slots=True)
class Task:
    name: str
    #: The record types the task may be about.
    subjects: frozenset[SubjectType]
    #: Whether the run must name a subject.
    needs_subject: bool
    #: Whether the run must carry instructions (the question of ``ask``).
    needs_instructions: bool = False


TASKS: dict[str, Task] = {
    t.name: t
    for t in (
        Task("summarize", ALL_SUBJECTS, needs_subject=True),
        Task("draft_reply", frozenset({"person"}), needs_subject=True),
        Task("next_actions", frozenset({"deal", "project"}), needs_subject=True),
        Task("ask", ALL_SUBJECTS, needs_subject=False, needs_instructions=True),
    )
}
