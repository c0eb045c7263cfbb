"""The signed-in person's start page: this week's study (本周学习), their tests (open now, coming,
finished) and links."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, render_template

from studyhall import clock, db
from studyhall.access import SIGNED_IN, allow
from studyhall.accounts import service as accounts
from studyhall.accounts import signed_in_user
from studyhall.exams import service as exams
from studyhall.exams.models import ExamStatus
from studyhall.headers import no_store
from studyhall.plans import service as plans
from studyhall.points import mine
from studyhall.points import service as points
from studyhall.practice import hub as practice

bp = Blueprint("home", __name__)


@bp.route("/")
@allow(SIGNED_IN)
@no_store  # shows the tests in progress: Back after submitting must not offer to continue one
def index() -> str:
    session = db.session()
    now = clock.now()
    user = signed_in_user()
    if points.award_daily_sign_in(session, user.id, now=now):
        session.commit()
    tests = exams.listings(session, user, now=now)
    # Done with: every attempt used while the test is still open (已完成), or closed (已结束).
    done = [t for t in tests if t.status != ExamStatus.UPCOMING and not t.startable]

    def seconds_until(moment: datetime) -> int:
        return max(0, int((moment - now).total_seconds()))

    return render_template(
        "home/index.html",
        week=plans.study_week(session, user, plans.local_today(now), now=now),
        points_glance=mine.glance(session, user, now=now),
        practice_glance=practice.glance(session, user, now=now),
        now=now,
        branch=accounts.branch_path(user.branch),
        open_tests=[t for t in tests if t.startable],
        coming=[t for t in tests if t.status == ExamStatus.UPCOMING],
        completed=[t for t in done if t.status == ExamStatus.OPEN],
        finished=[t for t in done if t.status == ExamStatus.CLOSED],
        review_open={
            t.exam.id
            for t in done
            if t.shown
            and exams.review_open(t.shown, exams.review_opens_at(session, t.exam), now=now)
            and not exams.withheld(session, t.shown, now=now).everything  # nothing to review yet
        },
        seconds_until=seconds_until,
        remaining=lambda attempt: exams.seconds_left(attempt.deadline_at, now),
    )
