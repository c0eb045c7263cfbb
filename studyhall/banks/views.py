"""Administrators' question-bank pages: upload → preview → confirm, browse, edit, retire, export."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from wtforms import StringField

from studyhall import clock, db
from studyhall.access import allow
from studyhall.accounts import signed_in_user
from studyhall.accounts.models import Role
from studyhall.banks import service
from studyhall.banks.formats import FORMATS, fields, parse_file
from studyhall.banks.formats.base import ParsedQuestion
from studyhall.banks.formats.sheet import template_xlsx
from studyhall.banks.forms import FORMAT_LABELS, BankConfirmForm, BankUploadForm, QuestionForm
from studyhall.banks.models import Bank, Question
from studyhall.errors import DomainError, ErrorCode
from studyhall.forms import filled
from studyhall.questions import types
from studyhall.questions.answers import LETTERS
from studyhall.uploads import stage_upload, staged_upload

bp = Blueprint("banks", __name__, url_prefix="/admin/banks")
ADMIN = Role.ADMIN


@bp.route("/", methods=["GET", "POST"])
@allow(ADMIN)
def index() -> ResponseReturnValue:
    session = db.session()
    form = BankUploadForm(bank=request.args.get("bank", ""))
    if form.validate_on_submit():
        return _preview(stage_upload(form.file.data), filled(form.bank).strip(), form.format.data)
    return render_template(
        "banks/index.html", form=form, summaries=service.summaries(session), type_labels=types.LABELS
    )


def _preview(token: str, bank_name: str, format_name: str) -> ResponseReturnValue:
    staged = staged_upload(token)
    if staged is None:
        return redirect(url_for("banks.index"))
    plan = service.plan_import(db.session(), bank_name, parse_file(staged.filename, staged.data, format_name))
    confirm = BankConfirmForm(token=token, bank=bank_name, format=format_name)
    return render_template(
        "banks/preview.html",
        plan=plan,
        confirm=confirm,
        filename=staged.filename,
        type_labels=types.LABELS,
        format_labels=FORMAT_LABELS,
        letters=LETTERS,
    )


@bp.route("/import/confirm", methods=["POST"])
@allow(ADMIN)
def confirm_import() -> ResponseReturnValue:
    form = BankConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    session = db.session()
    token, bank_name, format_name = filled(form.token), filled(form.bank), filled(form.format)
    staged = staged_upload(token)
    if staged is None:
        return redirect(url_for("banks.index"))
    plan = service.plan_import(session, bank_name, parse_file(staged.filename, staged.data, format_name))
    if not plan.ok:
        return _preview(token, bank_name, format_name)
    summary = service.apply_import(session, signed_in_user(), plan, now=clock.now())
    session.delete(staged)
    session.commit()
    flash(
        _(
            "Imported into %(bank)s: %(new)d new, %(versions)d changed (new versions), %(same)d unchanged.",
            bank=summary.bank.name,
            new=summary.new,
            versions=summary.versions,
            same=summary.unchanged,
        ),
        "info",
    )
    return redirect(url_for("banks.browse", bank_id=summary.bank.id))


@bp.route("/template.xlsx")
@allow(ADMIN)
def template() -> Response:
    return Response(
        template_xlsx(),
        mimetype=FORMATS["xlsx"].mimetype,
        headers={"Content-Disposition": "attachment; filename=question-template.xlsx"},
    )


def _bank_or_404(bank_id: int) -> Bank:
    try:
        return service.bank_or_error(db.session(), bank_id)
    except DomainError:
        abort(404)


@bp.route("/<int:bank_id>")
@allow(ADMIN)
def browse(bank_id: int) -> ResponseReturnValue:
    session = db.session()
    bank = _bank_or_404(bank_id)
    difficulty = request.args.get("difficulty", type=int)
    if difficulty is not None and not 1 <= difficulty <= 5:  # the scale; a huge one would overflow
        difficulty = None
    page = service.search(
        session,
        bank,
        type=request.args.get("type", ""),
        category=request.args.get("category", ""),
        difficulty=difficulty,
        text=request.args.get("q", ""),
        retired=request.args.get("retired") == "1",
        page=request.args.get("page", 1, type=int),
    )
    return render_template(
        "banks/browse.html",
        bank=bank,
        page=page,
        summary=service.summary(session, bank),
        categories=service.bank_categories(session, bank),
        type_labels=types.LABELS,
        format_labels=FORMAT_LABELS,
        letters=LETTERS,
    )


@bp.route("/<int:bank_id>/export")
@allow(ADMIN)
def export(bank_id: int) -> Response:
    bank = _bank_or_404(bank_id)
    format_name = request.args.get("format", "xlsx")
    if format_name not in FORMATS:
        abort(404)
    chosen = FORMATS[format_name]
    data = service.export_bank(db.session(), bank, format_name)
    filename = f"bank-{bank.id}{chosen.extension}"
    return Response(
        data, mimetype=chosen.mimetype, headers={"Content-Disposition": f"attachment; filename={filename}"}
    )


def _text(field: StringField) -> str:
    return (field.data or "").strip()


def _form_to_question(form: QuestionForm) -> ParsedQuestion:
    kind = types.get(form.type.data)
    options = [_text(getattr(form, f"option_{letter}")) for letter in LETTERS]
    while options and not options[-1]:
        options.pop()
    answer_text = _text(form.answer)
    answer = kind.parse_answer(answer_text)
    if answer is None:
        raise DomainError(
            _("The answer “%(answer)s” does not fit the question type.", answer=answer_text),
            ErrorCode.INVALID,
        )
    difficulty = fields.difficulty(_text(form.difficulty)) if _text(form.difficulty) else None
    if _text(form.difficulty) and difficulty is None:
        raise DomainError(_("Difficulty must be 1–5 or 易/中/难."), ErrorCode.INVALID)
    score = fields.score(_text(form.score)) if _text(form.score) else None
    if _text(form.score) and score is None:
        raise DomainError(_("The score must be a positive number."), ErrorCode.INVALID)
    return ParsedQuestion(
        type=kind.key,
        stem=_text(form.stem),
        answer=answer,
        options=options if kind.has_options else [],
        explanation=_text(form.explanation),
        categories=fields.categories(_text(form.categories)),
        difficulty=difficulty,
        score=score,
        source=_text(form.source),
        external_id=_text(form.external_id),
        case_sensitive=bool(form.case_sensitive.data),
    )


def _fill_form(form: QuestionForm, question: Question) -> None:
    form.type.data = question.type
    form.stem.data = question.stem
    for index, letter in enumerate(LETTERS):
        getattr(form, f"option_{letter}").data = (
            question.options[index] if index < len(question.options) else ""
        )
    form.answer.data = types.get(question.type).answer_text(question.answer)
    form.explanation.data = question.explanation
    form.categories.data = ";".join(question.categories)
    form.difficulty.data = str(question.difficulty or "")
    form.score.data = f"{question.score:g}"
    form.source.data = question.source
    form.external_id.data = question.external_id
    form.case_sensitive.data = question.case_sensitive


@bp.route("/questions/<int:question_id>", methods=["GET", "POST"])
@allow(ADMIN)
def edit(question_id: int) -> ResponseReturnValue:
    session = db.session()
    try:
        question = service.question_or_error(session, question_id)
    except DomainError:
        abort(404)
    form = QuestionForm()
    if request.method == "GET":
        _fill_form(form, question)
    elif form.validate_on_submit():
        try:
            new = service.edit_question(
                session, signed_in_user(), question.id, _form_to_question(form), now=clock.now()
            )
        except DomainError as error:
            session.rollback()
            flash(error.message, "error")
        else:
            session.commit()
            flash(_("Saved as version %(version)d.", version=new.version), "info")
            return redirect(url_for("banks.browse", bank_id=new.bank_id))
    return render_template(
        "banks/edit.html",
        form=form,
        question=question,
        letters=LETTERS,
        history=service.versions(session, question),
        type_labels=types.LABELS,
    )


@bp.route("/questions/<int:question_id>/retire", methods=["POST"])
@allow(ADMIN)
def retire(question_id: int) -> ResponseReturnValue:
    session = db.session()
    retired = request.form.get("retired") == "1"
    try:
        question = service.set_retired(session, signed_in_user(), question_id, retired, now=clock.now())
    except DomainError as error:
        session.rollback()
        flash(error.message, "error")
        return redirect(url_for("banks.index"))
    session.commit()
    flash(
        _("Question retired: it stays in past tests but is no longer drawn.")
        if retired
        else _("Question restored."),
        "info",
    )
    return redirect(url_for("banks.browse", bank_id=question.bank_id, retired="0" if retired else "1"))
