"""我的积分, the leaderboards and their export; the administrators' rules and manual awards."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, Flask, Response, abort, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import user_logged_in
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhall import clock, db, i18n
from studyhall.access import SIGNED_IN, allow
from studyhall.accounts import levels, signed_in_user
from studyhall.accounts import service as accounts
from studyhall.accounts.models import Role, User
from studyhall.errors import DomainError, ErrorCode
from studyhall.forms import filled, number
from studyhall.headers import attachment
from studyhall.inputs import row_id
from studyhall.pagination import Page
from studyhall.points import boards, manual, mine, periods, service
from studyhall.points.forms import ManualAwardForm, ReverseForm, RuleForm
from studyhall.points.models import Period, PointRule
from studyhall.points.periods import Span
from studyhall.points.service import MAX_MANUAL_PEOPLE, REASON_LENGTH, RuleChange
from studyhall.tabular import Sheet, xlsx_bytes
from studyhall.xxqg import service as xxqg

bp = Blueprint("points", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PER_PAGE = 50

PERIOD_LABELS = {
    Period.DAY: _l("Today"),
    Period.WEEK: _l("This week"),
    Period.MONTH: _l("This month"),
    Period.YEAR: _l("This year"),
    Period.ALL: _l("All time"),
}
BOARD_LABELS = {"people": _l("People"), "branch": _l("党支部"), "group": _l("党小组"), "xxqg": _l("学习强国")}


def _award_sign_in(_app: Flask, user: User, **_extra: object) -> None:
    session = db.session()
    if service.award_daily_sign_in(session, user.id, now=clock.now()):
        session.commit()


@bp.record_once
def _connect(state: BlueprintSetupState) -> None:
    user_logged_in.connect(_award_sign_in, state.app)


def span_label(span: Span) -> str:
    """A period as a heading says it: this week, or its dates (2026年11月16日至11月22日, 2026年11月)."""
    current = periods.current(span.period, clock.now(), clock.local_zone())
    if span == current or span.period is Period.ALL:
        return str(PERIOD_LABELS[span.period])
    return periods.text(span)


def rule_text(found: PointRule) -> str:
    """What earns the rule's points and how many, as one text: 每日首次登录。每次 1 分，每日上限 1 分。"""
    numbers = service.numbers_text(found)
    if not numbers:
        return found.description
    return _("%(description)s %(numbers)s.", description=found.description, numbers=numbers)


@bp.app_context_processor
def _helpers() -> dict[str, object]:
    return {
        "span_label": span_label,
        "period_labels": PERIOD_LABELS,
        "board_labels": BOARD_LABELS,
        "rule_text": rule_text,
    }


bp.add_app_template_filter(i18n.month_day_text, "month_day_text")


@bp.route("/points/")
@allow(SIGNED_IN)
def my_points() -> str:
    session = db.session()
    now = clock.now()
    return render_template(
        "points/mine.html",
        mine=mine.summary(session, signed_in_user(), now=now),
        set_per_award=mine.SET_PER_AWARD,
        earn_links={"login": url_for("home.index"), "exam": url_for("home.index", _anchor="tests")},
        page=mine.ledger(session, signed_in_user(), request.args.get("page", 1, type=int)),
    )


def _board_request() -> tuple[str, Span, int | None]:
    kind = request.args.get("board", "people")
    if kind not in BOARD_LABELS:
        kind = "people"
    span = boards.span_from(
        request.args.get("period"), request.args.get("start"), clock.now(), clock.local_zone()
    )
    if "branch" not in request.args:
        return kind, span, _default_branch(kind)
    branch = row_id(request.args.get("branch"))  # empty: the whole organisation, chosen
    return kind, span, branch if branch in levels.Tree.read(db.session()).names else None


def _default_branch(kind: str) -> int | None:
    """Where a board opens when no branch is chosen: a secretary's own branch (their people are
    what they follow), everyone else the whole organisation. The 党支部 board compares branches,
    so it always opens on all of them."""
    viewer = signed_in_user()
    if viewer.role == Role.SECRETARY and kind != "branch":
        return viewer.branch_id
    return None


# Who sees which board, the same for the in-house boards and the 学习强国 board: the office posts
# both on the corridor screens, the 积分公示 and the 学习强国 app itself, so
# - reading a board (points.board, any tab): everyone signed in, for the whole organisation or any
#   branch they choose;
# - its .xlsx export, which adds each person's 工号: administrators for any scope, a secretary for
#   their own branch and below only, a cadre not at all (points.board_xlsx's @allow);
# - a 学习强国 snapshot's own page (xxqg.snapshot), with 工号 and every column of the export, is
#   read like the export: administrators, and a secretary for their own branch.
def _within(session: Session, branch: int | None, *, export: bool) -> set[int] | None:
    """The branches a board shows: the chosen one and below (None: all), and for a secretary's
    export never more than their own."""
    chosen = accounts.subtree_ids(session, branch) if branch is not None else None
    if export and signed_in_user().role == Role.SECRETARY:
        own = accounts.visible_branch_ids(session, signed_in_user()) or set()
        return own if chosen is None else chosen & own
    return chosen


@bp.route("/points/board")
@allow(SIGNED_IN)
def board() -> str:
    session = db.session()
    kind, span, branch = _board_request()
    within = _within(session, branch, export=False)
    tree = levels.Tree.read(session)
    page_number = max(1, request.args.get("page", 1, type=int))
    my_page = None
    without: tuple[int, list[boards.Unranked]] | None = None
    # The 学习强国 figures are the latest export's: they sit beside the in-house points, whatever the period.
    snapshot = xxqg.latest_snapshot(session)
    previous = xxqg.previous_snapshot(session, snapshot) if snapshot else None
    figures: dict[int, xxqg.Figure] = {}
    if kind == "xxqg":
        total = xxqg.board_count(session, snapshot, branch_ids=within) if snapshot else 0
        page_number = min(page_number, max(1, -(-total // PER_PAGE)))
        offset = (page_number - 1) * PER_PAGE
        ranked = (
            xxqg.board(session, snapshot, branch_ids=within, limit=PER_PAGE, offset=offset)
            if snapshot
            else []
        )
        page: Page[object] = Page(items=list(ranked), total=total, page=page_number, per_page=PER_PAGE)
        me = None
    elif kind == "people":
        total = boards.count(session, span, branch_ids=within)
        page_number = min(page_number, max(1, -(-total // PER_PAGE)))
        rows = boards.people(
            session, span, branch_ids=within, limit=PER_PAGE, offset=(page_number - 1) * PER_PAGE
        )
        page = Page(items=list(rows), total=total, page=page_number, per_page=PER_PAGE)
        viewer = signed_in_user()
        me = (
            boards.standing(session, span, viewer.id, branch_ids=within)
            if levels.on_board(session, viewer, within)
            else None
        )
        figures = xxqg.figures(session, [row.user_id for row in rows])
        if me is not None and me.points:  # the page that holds the reader's own row
            my_page = (me.rank - 1) // PER_PAGE + 1
        if page_number * PER_PAGE >= total:  # after the last of those with points: who has none
            # By name for those who answer for them (an administrator, a secretary over their own
            # branch); a cadre sees how many.
            mine = accounts.visible_branch_ids(session, viewer)
            named = mine is None or (within is not None and bool(within) and within <= mine)
            without = boards.without_points(session, span, branch_ids=within, limit=200 if named else 0)
    else:
        level = levels.Level.BRANCH if kind == "branch" else levels.Level.GROUP
        page = Page(
            items=list(boards.branches(session, span, level, within=within)),
            total=0,
            page=1,
            per_page=PER_PAGE,
        )
        me = None
    return render_template(
        "points/board.html",
        kind=kind,
        span=span,
        branch=branch,
        # The tabs keep the choice as made: none (the default scope), the whole organisation ("") or a branch.
        branch_arg=request.args.get("branch"),
        page=page,
        me=me,
        my_page=my_page,
        without=without,
        snapshot=snapshot,
        previous=previous,
        total_label=xxqg.total_label(snapshot.exported_on) if snapshot else "",
        gain_label=xxqg.gain_label(previous.exported_on if previous else None),
        figures=figures,
        branch_choices=[(unit, tree.names[unit]) for unit in tree.branches],
        may_export=signed_in_user().role in (Role.ADMIN, Role.SECRETARY),
    )


@bp.route("/points/board.xlsx")
@allow(Role.ADMIN, Role.SECRETARY)
def board_xlsx() -> Response:
    session = db.session()
    kind, span, branch = _board_request()
    within = _within(session, branch, export=True)
    title = f"{BOARD_LABELS[kind]} {span_label(span)} {_scope_name(session, branch)}"
    snapshot = xxqg.latest_snapshot(session)
    if kind == "xxqg":
        exported = snapshot.exported_on.isoformat() if snapshot else ""
        title = f"{BOARD_LABELS[kind]} {exported} {_scope_name(session, branch)}".replace("  ", " ")
        table: list[list[object]] = [[_("Rank"), _("Full name"), _("工号"), _("Branch")]]
        if snapshot is None:
            table[0] += [_("学习强国 total"), _("Gain")]
        else:
            previous = xxqg.previous_snapshot(session, snapshot)
            table[0] += [
                xxqg.total_label(snapshot.exported_on),
                xxqg.gain_label(previous.exported_on if previous else None),
            ]
            table += [
                [row.rank, row.name, row.username, row.branch, row.total, row.gain]
                for row in xxqg.board(
                    session,
                    snapshot,
                    branch_ids=within,
                    limit=xxqg.board_count(session, snapshot, branch_ids=within),
                )
            ]
    elif kind == "people":
        rows = boards.people(
            session, span, branch_ids=within, limit=boards.count(session, span, branch_ids=within)
        )
        table = [[_("Rank"), _("Full name"), _("工号"), _("Branch"), _("Points")]] + [
            [row.rank, row.name, row.username, row.branch, row.points] for row in rows
        ]
        # Who has none follow, unranked: the office files the export and wants them named too.
        _counted, unranked = boards.without_points(session, span, branch_ids=within, limit=None)
        table += [["", person.name, person.username, person.where, 0] for person in unranked]
    else:
        level = levels.Level.BRANCH if kind == "branch" else levels.Level.GROUP
        table = [[_("Rank"), _("Name"), _("党支部"), _("Members"), _("Total"), _("Average per member")]] + [
            [row.rank, row.name, row.parent, row.members, row.total, row.average]
            for row in boards.branches(session, span, level, within=within)
        ]
    day = clock.now().astimezone(clock.local_zone()).date().isoformat()
    data = xlsx_bytes(Sheet(title, table))
    return attachment(
        data, XLSX, f"积分榜 {title} {day}.xlsx", f"points-{kind}-{span.period}-{span.start}.xlsx"
    )


def _scope_name(session: Session, branch: int | None) -> str:
    """Whose board an export holds, for its title and file name: a secretary's export of "the whole
    organisation" holds their own branch only (_within), and is named so."""
    viewer = signed_in_user()
    if branch is None and viewer.role == Role.SECRETARY and viewer.branch_id is not None:
        branch = viewer.branch_id
    return (
        levels.Tree.read(session).names.get(branch, "") if branch is not None else _("The whole organisation")
    )


# ---- administrators ----------------------------------------------------------------------------


@bp.route("/admin/points/")
@allow(Role.ADMIN)
def admin_index() -> str:
    return _admin_page()


def _admin_page(refused: tuple[int, RuleForm] | None = None) -> str:
    """The rules, each with its form (or the form just refused, with its errors), and the latest
    manual awards."""
    session = db.session()
    rules = service.rules(session)
    forms = {
        rule.id: _rule_form(
            rule,
            formdata=None,  # never the request's, which holds the one rule just sent
            data={
                "points": rule.points,
                "daily_cap": rule.daily_cap,
                "weekly_cap": rule.weekly_cap,
                "enabled": rule.enabled,
            },
        )
        for rule in rules
        if rule.key in service.READY
    }
    if refused is not None:
        forms[refused[0]] = refused[1]
    return render_template(
        "points/admin.html",
        rules=rules,
        forms=forms,
        batches=manual.batches(session),
        named=manual.named,
    )


def _rule_form(rule: PointRule, **kwargs: object) -> RuleForm:
    """The rule's form with only what an administrator sets on it (service.settings)."""
    form = RuleForm(prefix=f"rule{rule.id}", **kwargs)
    for name in ("points", "daily_cap", "weekly_cap"):
        if name not in service.settings(service.RuleKey(rule.key)):
            delattr(form, name)
    return form


def _refused(refused: DomainError, back: str = "points.admin_index", **args: Any) -> ResponseReturnValue:
    if refused.code == ErrorCode.NOT_FOUND:
        abort(404)
    flash(refused.message, "error")
    return redirect(url_for(back, **args))


@bp.route("/admin/points/rules/<int:rule_id>", methods=["POST"])
@allow(Role.ADMIN)
def edit_rule(rule_id: int) -> ResponseReturnValue:
    session = db.session()
    found = session.get(PointRule, rule_id)
    if found is None:
        abort(404)
    form = _rule_form(found)
    not_saved = _("Rule “%(name)s” was not saved: see what is marked on it below.", name=found.name)
    if not form.validate_on_submit():
        flash(not_saved, "error")
        return _admin_page((found.id, form))
    change = RuleChange(  # what the form does not hold stays as it is
        form.data.get("points", found.points),
        form.data.get("daily_cap", found.daily_cap),
        form.data.get("weekly_cap", found.weekly_cap),
        form.enabled.data,
    )
    try:
        rule = service.edit_rule(session, signed_in_user(), rule_id, change, now=clock.now())
    except service.RuleError as refused:
        for name, problem in refused.problems.items():
            form[name].errors = [problem]
        flash(not_saved, "error")
        return _admin_page((found.id, form))
    except DomainError as refused:
        return _refused(refused)
    if rule is None:  # saving what is there already: no new version, nothing to audit
        flash(
            _("Nothing changed: rule “%(name)s” stays at version %(n)d.", name=found.name, n=found.version),
            "info",
        )
        return redirect(url_for("points.admin_index"))
    numbers = {name: getattr(rule, name) for name in ("daily_cap", "weekly_cap") if name in form}
    accounts.record(
        session,
        signed_in_user(),
        "points.rule",
        rule.name,
        now=clock.now(),
        version=rule.version,
        **({"per_action": rule.points} if "points" in form else {}),
        **numbers,
        enabled=rule.enabled,
    )
    session.commit()
    flash(_("Rule “%(name)s” saved; it applies from now on.", name=rule.name), "success")
    return redirect(url_for("points.admin_index"))


@bp.route("/admin/points/award", methods=["GET", "POST"])
@allow(Role.ADMIN)
def award() -> ResponseReturnValue:
    form = ManualAwardForm()
    if request.method == "GET":
        form.token.data = secrets.token_urlsafe(16)
    elif form.validate_on_submit():
        session = db.session()
        try:
            given = service.award_by_hand(
                session,
                signed_in_user(),
                form.names(),
                number(form.points),
                filled(form.reason),
                form.token.data or "",
                now=clock.now(),
            )
        except DomainError as refused:
            form.usernames.errors = [refused.message]
        else:
            if given:
                found = {
                    user.id: user
                    for user in session.scalars(
                        select(User).where(User.id.in_([row.user_id for row in given]))
                    )
                }
                people = [found[row.user_id] for row in given]
                accounts.record(
                    session,
                    signed_in_user(),
                    "points.award",
                    manual.named(people),
                    now=clock.now(),
                    reason=filled(form.reason).strip(),
                    points=form.points.data,
                    people=[person.username for person in people],
                )
            session.commit()
            flash(
                _("%(n)d people awarded %(points)d points.", n=len(given), points=form.points.data)
                if given
                else _("This award was made already."),
                "success",
            )
            return redirect(url_for("points.admin_index"))
    return render_template(
        "points/award.html", form=form, max_people=MAX_MANUAL_PEOPLE, reason_length=REASON_LENGTH
    )


def _not_taken_back(form: ReverseForm) -> None:
    flash(_("Not taken back: %(errors)s", errors=" ".join(str(e) for e in form.reason.errors)), "error")


@bp.route("/admin/points/awards/<int:award_id>/reverse", methods=["POST"])
@allow(Role.ADMIN)
def reverse(award_id: int) -> ResponseReturnValue:
    session = db.session()
    form = ReverseForm()
    if not form.validate_on_submit():
        _not_taken_back(form)
        return redirect(url_for("points.admin_index"))
    try:
        row = service.reverse(session, signed_in_user(), award_id, filled(form.reason))
    except DomainError as refused:
        return _refused(refused)
    accounts.record(
        session,
        signed_in_user(),
        "points.reverse",
        manual.named([session.scalars(select(User).where(User.id == row.user_id)).one()]),
        now=clock.now(),
        reason=filled(form.reason).strip(),
        points=row.points,
        award_id=award_id,
    )
    session.commit()
    flash(_("The award was taken back."), "success")
    if len(manual.batch(session, award_id).members) > 1:
        return redirect(url_for("points.batch", award_id=award_id))
    return redirect(url_for("points.admin_index"))


@bp.route("/admin/points/batches/<int:award_id>")
@allow(Role.ADMIN)
def batch(award_id: int) -> ResponseReturnValue:
    """One form's award: who it gave what, each one's state, and taking back all that still stand."""
    try:
        found = manual.batch(db.session(), award_id)
    except DomainError:
        abort(404)
    return render_template("points/batch.html", batch=found, form=ReverseForm())


@bp.route("/admin/points/batches/<int:award_id>/reverse", methods=["POST"])
@allow(Role.ADMIN)
def reverse_batch(award_id: int) -> ResponseReturnValue:
    session = db.session()
    form = ReverseForm()
    if not form.validate_on_submit():
        _not_taken_back(form)
        return redirect(url_for("points.batch", award_id=award_id))
    try:
        found = manual.batch(session, award_id)
        rows = manual.reverse_batch(session, signed_in_user(), award_id, filled(form.reason))
    except DomainError as refused:
        return _refused(refused, "points.batch", award_id=award_id)
    accounts.record(
        session,
        signed_in_user(),
        "points.reverse_batch",
        manual.named([member.person for member in found.open]),
        now=clock.now(),
        reason=filled(form.reason).strip(),
        points=found.first.points,
        award=found.first.reason,
        people=[member.person.username for member in found.open],
    )
    session.commit()
    flash(_("The award was taken back from %(n)d people.", n=len(rows)), "success")
    return redirect(url_for("points.admin_index"))
