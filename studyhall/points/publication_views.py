"""积分公示 pages: everyone signed in reads, prints and exports them; administrators publish by hand,
set the schedule and withdraw one with a reason."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from studyhall import clock, db
from studyhall.access import SIGNED_IN, allow
from studyhall.accounts import levels, signed_in_user
from studyhall.accounts.models import Role, User
from studyhall.errors import DomainError, ErrorCode
from studyhall.forms import filled
from studyhall.headers import attachment
from studyhall.points import periods, publications
from studyhall.points.forms import HighlightFields, PublishForm, ScheduleForm, WithdrawForm
from studyhall.points.models import Period, Publication
from studyhall.points.periods import Span
from studyhall.points.views import XLSX
from studyhall.tabular import Sheet, xlsx_bytes

bp = Blueprint("publications", __name__)


def _found(publication_id: int) -> Publication:
    try:
        return publications.get(db.session(), publication_id)
    except DomainError:
        abort(404)


def _names(ids: set[int | None]) -> dict[int, str]:
    wanted = {user_id for user_id in ids if user_id is not None}
    if not wanted:
        return {}
    rows = db.session().execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
    return {row.id: row.display_name for row in rows}


def period_text(publication: Publication) -> str:
    """The notice's period as every page says a period: 2026年11月30日至12月6日, 2026年11月."""
    return periods.text(Span(Period(publication.period), publication.start))


def _highlights(form: HighlightFields) -> publications.Highlights:
    return publications.Highlights(form.top_n.data, form.threshold.data)


@bp.route("/points/publications/")
@allow(SIGNED_IN)
def index() -> str:
    session = db.session()
    page = publications.listing(session, request.args.get("page", 1, type=int))
    is_admin = signed_in_user().role == Role.ADMIN
    schedule_form = None
    if is_admin:
        plan = publications.schedule(session)
        schedule_form = ScheduleForm(
            data={
                "weekly": bool(plan and plan.weekly_since),
                "monthly": bool(plan and plan.monthly_since),
                "top_n": plan.top_n if plan else None,
                "threshold": plan.threshold if plan else None,
                "with_xxqg": bool(plan and plan.with_xxqg),
            }
        )
    return render_template(
        "points/publications.html",
        page=page,
        names=_names({item.published_by_id for item in page.items}),
        period_of=period_text,
        is_admin=is_admin,
        schedule_form=schedule_form,
    )


@bp.route("/points/publications/<int:publication_id>")
@allow(SIGNED_IN)
def show(publication_id: int) -> str:
    publication = _found(publication_id)
    return render_template(
        "points/publication.html",
        publication=publication,
        period=period_text(publication),
        objection=publications.objection_period(publication),
        grouped=publications.grouped(publication),
        highlight=lambda person: publications.highlight(publication, person),
        xxqg_labels=publications.xxqg_labels(publication),
        names=_names({publication.published_by_id, publication.withdrawn_by_id}),
        withdraw_form=WithdrawForm() if signed_in_user().role == Role.ADMIN else None,
    )


@bp.route("/points/publications/<int:publication_id>.xlsx")
@allow(SIGNED_IN)
def export(publication_id: int) -> Response:
    publication = _found(publication_id)
    zone = clock.local_zone()
    published = publication.published_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    notes = {
        "top": _("First %(n)d", n=publication.top_n or 0),
        "below": _("Under %(n)d points", n=publication.threshold or 0),
    }
    heading = [
        [publication.title],
        [_("Published %(when)s", when=published)]
        + (
            [_("Withdrawn: %(reason)s", reason=publication.withdrawal_reason)]
            if publication.withdrawn
            else []
        ),
        [],
    ]
    # A notice is public within the organisation; the 工号 (everyone's sign-in name) is not.
    with_username = signed_in_user().role == Role.ADMIN
    xxqg_labels = publications.xxqg_labels(publication)
    people = (
        heading
        + [
            [_("Rank"), _("Full name")]
            + ([_("工号")] if with_username else [])
            + [_("党支部"), _("党小组"), _("Points")]
            + (list(xxqg_labels) if xxqg_labels else [])
            + [_("Note")]
        ]
        + [
            [person["rank"], person["name"]]
            + ([person["username"]] if with_username else [])
            + [person["branch"], person["group"], person["points"]]
            + ([person["xxqg_total"], person["xxqg_gain"]] if xxqg_labels else [])
            + [notes.get(publications.highlight(publication, person), "")]
            for person in publication.people
        ]
    )
    # Each column's width, as the heading row has them: the 学习强国 headings name two days.
    widths = (
        [8, 14] + ([12] if with_username else []) + [20, 20, 8] + ([26, 26] if xxqg_labels else []) + [12]
    )
    branches = (
        heading
        + [[_("Rank"), _("党支部"), _("Members"), _("Total"), _("Average per member")]]
        + [
            [
                section["rank"] or "",
                section["name"],
                section["members"],
                section["total"],
                section["average"],
            ]
            for section in sorted(publication.sections, key=lambda section: section["rank"] or 10**9)
        ]
    )
    data = xlsx_bytes(
        Sheet(_("People"), people, dict(zip("ABCDEFGHIJ", widths, strict=False))),
        Sheet(_("党支部"), branches, {"A": 8, "B": 24, "C": 10, "D": 10, "E": 16}),
    )
    return attachment(
        data,
        XLSX,
        f"{publication.title}.xlsx",
        f"publication-{publication.id}-{publication.period}-{publication.start}.xlsx",
    )


# ---- administrators ----------------------------------------------------------------------------


@bp.route("/admin/points/publications/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def publish() -> ResponseReturnValue:
    session = db.session()
    tree = levels.Tree.read(session)
    form = PublishForm()
    form.offer_branches([(unit, tree.names[unit]) for unit in tree.branches])
    now = clock.now()
    if request.method == "GET":
        form.day.data = periods.current(Period.WEEK, now, clock.local_zone()).previous().start
    elif form.validate_on_submit() and form.day.data is not None:
        kind = Period(form.period.data)
        span = Span(kind, periods.start_of(kind, form.day.data))
        try:
            publication = publications.publish(
                session,
                signed_in_user(),
                span,
                form.branch.data or None,
                _highlights(form),
                now=now,
                title=form.title.data or "",
                with_xxqg=form.with_xxqg.data,
            )
        except DomainError as refused:
            form.day.errors = [refused.message]
        else:
            session.commit()
            flash(_("Published: “%(title)s”.", title=publication.title), "success")
            return redirect(url_for("publications.show", publication_id=publication.id))
    return render_template("points/publish.html", form=form)


@bp.route("/admin/points/publications/schedule", methods=["POST"])
@allow(Role.ADMIN)
def set_schedule() -> ResponseReturnValue:
    form = ScheduleForm()
    if not form.validate_on_submit():
        flash(
            _(
                "Check the highlights: %(errors)s",
                errors="; ".join(e for errors in form.errors.values() for e in errors),
            ),
            "error",
        )
        return redirect(url_for("publications.index"))
    session = db.session()
    publications.set_schedule(
        session,
        signed_in_user(),
        weekly=form.weekly.data,
        monthly=form.monthly.data,
        highlights=_highlights(form),
        with_xxqg=form.with_xxqg.data,
        now=clock.now(),
    )
    session.commit()
    flash(_("Schedule saved."), "success")
    return redirect(url_for("publications.index"))


@bp.route("/admin/points/publications/<int:publication_id>/withdraw", methods=["POST"])
@allow(Role.ADMIN)
def withdraw(publication_id: int) -> ResponseReturnValue:
    session = db.session()
    form = WithdrawForm()
    back = redirect(url_for("publications.show", publication_id=publication_id))
    if not form.validate_on_submit():
        flash(_("Not withdrawn: %(errors)s", errors=" ".join(str(e) for e in form.reason.errors)), "error")
        return back
    try:
        publications.withdraw(session, signed_in_user(), publication_id, filled(form.reason), now=clock.now())
    except DomainError as refused:
        if refused.code == ErrorCode.NOT_FOUND:
            abort(404)
        flash(refused.message, "error")
        return back
    session.commit()
    flash(_("The publication was withdrawn; it stays listed, marked withdrawn."), "success")
    return back
