"""The .xlsx downloads of a test — its results (with the contest ranking) and its 参考名单 — and
their file names, for administrators and secretaries alike (a secretary's holds their subtree)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from studyhall.exams.models import Attempt, AttemptState, Exam, ExamMode
from studyhall.exams.reports import (
    ENDED_BY,
    PROGRESS,
    Progress,
    RankRow,
    ResultRow,
    RosterGroup,
    results_and_ranking,
    roster,
)
from studyhall.tabular import Sheet, xlsx_bytes


def roster_workbook(roster_groups: Sequence[RosterGroup]) -> bytes:
    """The 参考名单 as .xlsx: one row a person, and a sheet of the counts per 党支部."""
    header = [_("党支部"), _("Full name"), _("工号"), _("Branch"), _("Progress")]
    table = [
        [
            group.branch.name if group.branch else _("No branch"),
            line.user.display_name,
            line.user.username,
            line.branch,
            str(PROGRESS[line.progress]),
        ]
        for group in roster_groups
        for line in group.lines
    ]
    counts = [
        [
            group.branch.name if group.branch else _("No branch"),
            group.audience,
            group.count(Progress.NOT_STARTED),
            group.count(Progress.IN_PROGRESS),
            group.count(Progress.SUBMITTED),
        ]
        for group in roster_groups
    ]
    count_header = [_("党支部"), _("Expected"), *(str(label) for label in PROGRESS.values())]
    return xlsx_bytes(Sheet(_("Roster"), [header, *table]), Sheet(_("Per branch"), [count_header, *counts]))


def duration_text(seconds: int | None) -> str:
    """12 分 5 秒, or 1 小时 2 分 3 秒 past an hour (a bare 12:05 reads as a time of day), or 10 秒
    under a minute (not "0 分 10 秒"); an em dash for none."""
    if seconds is None:
        return "—"
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return _("%(h)d h %(m)d min %(s)d s", h=hours, m=minutes, s=seconds)
    if minutes:
        return _("%(m)d min %(s)d s", m=minutes, s=seconds)
    return _("%(s)d s", s=seconds)


def export_names(exam: Exam, what: str, slug: str, *, zone: tzinfo) -> tuple[str, str]:
    """A download's file name: the test's title, what it holds (`what`, in the interface's language)
    and the day the test opened; and the ASCII name for clients that cannot take that one."""
    day = exam.opens_at.astimezone(zone).strftime("%Y-%m-%d")
    return f"{exam.title} {what} {day}.xlsx", f"exam-{exam.id}-{slug}-{day}.xlsx"


def passed_text(exam: Exam, attempt: Attempt) -> str | None:
    """是 / 否 against the test's pass mark; None without a pass mark or a score."""
    if exam.pass_mark is None or attempt.score is None:
        return None
    return _("yes") if attempt.score >= exam.pass_mark else _("no")


def results_export(
    session: Session, exam: Exam, *, zone: tzinfo, visible: set[int] | None = None
) -> tuple[bytes, str, str]:
    """The results .xlsx of the people in the `visible` branches (None: everyone), and its names."""
    data = results_workbook(exam, *results_and_ranking(session, exam, visible=visible), zone=zone)
    return (data, *export_names(exam, _("results"), "results", zone=zone))


def roster_export(
    session: Session, exam: Exam, *, zone: tzinfo, visible: set[int] | None = None
) -> tuple[bytes, str, str]:
    """The 参考名单 .xlsx of the people in the `visible` branches (None: everyone), and its names."""
    data = roster_workbook(roster(session, exam, visible=visible))
    return (data, *export_names(exam, _("roster"), "roster", zone=zone))


def results_workbook(
    exam: Exam, rows: Sequence[ResultRow], ranked: Sequence[RankRow], *, zone: tzinfo
) -> bytes:
    """The results table as .xlsx (and, for a contest, a second sheet with the ranking). Time used
    is a number of seconds, so that a spreadsheet can sort and sum it."""
    header = [
        _("Full name"),
        _("工号"),
        _("Branch"),
        _("Attempt"),
        _("Score"),
        _("Maximum"),
        _("Passed"),
        _("Started"),
        _("Time used (seconds)"),
        _("Tab switches"),
        _("Ended by"),
        _("Counts"),
    ]
    table = [
        [
            row.user.display_name,
            row.user.username,
            row.branch,
            row.attempt.number,
            row.attempt.score,
            row.attempt.max_score,
            passed_text(exam, row.attempt),
            row.attempt.started_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
            row.time_used,
            row.attempt.tab_switches,
            str(ENDED_BY.get(row.attempt.ended_by, row.attempt.ended_by))
            if row.attempt.state == AttemptState.SUBMITTED
            else _("In progress"),
            _("yes") if row.counted else None,
        ]
        for row in rows
    ]
    sheets = [Sheet(_("Results"), [header, *table])]
    if exam.mode == ExamMode.CONTEST:
        ranking = [
            [
                entry.rank,
                entry.row.user.display_name,
                entry.row.user.username,
                entry.row.branch,
                entry.row.attempt.score,
                entry.row.time_used,
            ]
            for entry in ranked
        ]
        header = [_("Rank"), _("Full name"), _("工号"), _("Branch"), _("Score"), _("Time used (seconds)")]
        sheets.append(Sheet(_("Ranking"), [header, *ranking]))
    return xlsx_bytes(*sheets)
