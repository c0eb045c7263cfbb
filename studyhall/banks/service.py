"""Banks and questions: import (all or nothing, versioned), browse, edit, retire, export."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import String, cast, func, insert, select
from sqlalchemy.orm import Session

from studyhall import data_path
from studyhall.accounts import service as accounts
from studyhall.accounts.models import User
from studyhall.banks import lint as linting
from studyhall.banks import twins
from studyhall.banks.formats import FORMATS
from studyhall.banks.formats.base import Glimpse, Issue, ParsedQuestion, ParseResult
from studyhall.banks.models import Bank, Question
from studyhall.errors import DomainError, ErrorCode
from studyhall.pagination import Page, paginate
from studyhall.questions import types as question_types
from studyhall.questions.matching import stem_key
from studyhall.search import containing

SHIPPED_DIR = data_path("question_banks")
SHIPPED_BANKS = {  # file → bank name shown to people (data, not interface text)
    "national_security.csv": "国家安全知识",
    "constitution.csv": "宪法知识",
    "party_rules.csv": "党章党规知识",
    "congress_report.csv": "党的二十大报告",
    "party_discipline.csv": "党纪知识",
    "procuratorate_law.csv": "检察法律知识",
}


# ---- conversions -----------------------------------------------------------------------------


def to_parsed(question: Question) -> ParsedQuestion:
    return ParsedQuestion(
        type=question_types.get(question.type).key,
        stem=question.stem,
        options=list(question.options),
        answer=question.answer,
        explanation=question.explanation,
        categories=list(question.categories),
        difficulty=question.difficulty,
        score=question.score,
        source=question.source,
        external_id=question.external_id,
        case_sensitive=question.case_sensitive,
    )


def _content(question: ParsedQuestion, default_score: float = 1.0) -> tuple:
    """What makes two versions different; the line a question came from does not."""
    return (
        question.type,
        question.stem,
        tuple(question.options),
        repr(question.answer),
        question.explanation,
        tuple(question.categories),
        question.difficulty,
        question.score or default_score,
        question.source,
        question.case_sensitive,
    )


def _row_values(
    bank_id: int, parsed: ParsedQuestion, *, lineage: str, version: int, actor: User | None, now: datetime
) -> dict[str, object]:
    return {
        "bank_id": bank_id,
        "lineage": lineage,
        "version": version,
        "current": True,
        "retired": False,
        "type": parsed.type,
        "stem": parsed.stem,
        "options": list(parsed.options),
        "answer": parsed.answer,
        "explanation": parsed.explanation,
        "categories": list(parsed.categories),
        "difficulty": parsed.difficulty,
        "score": parsed.score or 1.0,
        "source": parsed.source,
        "external_id": parsed.external_id,
        "case_sensitive": parsed.case_sensitive,
        "stem_key": stem_key(parsed.stem),
        "created_at": now,
        "created_by_id": actor.id if actor else None,
    }


# ---- banks -----------------------------------------------------------------------------------


def get_bank(session: Session, name: str) -> Bank | None:
    return session.scalars(select(Bank).where(Bank.name == name.strip())).first()


def bank_or_error(session: Session, bank_id: int) -> Bank:
    bank = session.get(Bank, bank_id)
    if bank is None:
        raise DomainError(_("No such question bank."), ErrorCode.NOT_FOUND)
    return bank


def ensure_bank(
    session: Session, actor: User | None, name: str, *, now: datetime, require_source: bool = False
) -> Bank:
    name = name.strip()
    if not name or len(name) > 100:
        raise DomainError(_("A bank needs a name of at most 100 characters."), ErrorCode.INVALID)
    bank = get_bank(session, name)
    if bank is None:
        bank = Bank(name=name, description="", require_source=require_source, created_at=now)
        session.add(bank)
        session.flush()
        accounts.record(session, actor, "bank.create", name, now=now)
    return bank


@dataclass(frozen=True)
class BankSummary:
    bank: Bank
    total: int
    retired: int
    by_type: dict[str, int]
    by_difficulty: dict[int | None, int]


def summaries(session: Session) -> list[BankSummary]:
    """Every bank with counts of its current questions by type and difficulty."""
    rows = session.execute(
        select(Question.bank_id, Question.type, Question.difficulty, Question.retired, func.count())
        .where(Question.current)
        .group_by(Question.bank_id, Question.type, Question.difficulty, Question.retired)
    ).all()
    by_bank: dict[int, list] = {}
    for row in rows:
        by_bank.setdefault(row[0], []).append(row)
    result = []
    for bank in session.scalars(select(Bank).order_by(Bank.name)):
        types: Counter[str] = Counter()
        difficulties: Counter[int | None] = Counter()
        retired = 0
        for _bank_id, kind, difficulty, is_retired, count in by_bank.get(bank.id, []):
            if is_retired:
                retired += count
                continue
            types[kind] += count
            difficulties[difficulty] += count
        result.append(
            BankSummary(
                bank,
                sum(types.values()),
                retired,
                {kind: types[kind] for kind in question_types.TYPES},
                dict(difficulties),
            )
        )
    return result


def summary(session: Session, bank: Bank) -> BankSummary:
    return next(item for item in summaries(session) if item.bank.id == bank.id)


# ---- import ----------------------------------------------------------------------------------


@dataclass
class PlannedQuestion:
    question: ParsedQuestion
    action: str  # new / version / unchanged
    existing: Question | None = None


@dataclass
class ImportPlan:
    bank_name: str
    result: ParseResult
    items: list[PlannedQuestion] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.result.errors and bool(self.items)

    def count(self, action: str) -> int:
        return sum(1 for item in self.items if item.action == action)

    def rows(self) -> list[PreviewRow]:
        """The file's questions and every row (or line) an error or warning names, in file order,
        each with its issues: the lists of issues link to these rows. A row that could not be read
        as a question shows what could be read of it."""
        placed: dict[int, tuple[list[Issue], list[Issue]]] = {}
        for at, issues in ((0, self.result.errors), (1, self.result.warnings)):
            for issue in issues:
                where = issue.row if issue.row is not None else issue.line
                if where is not None:
                    placed.setdefault(where, ([], []))[at].append(issue)
        rows = []
        for item in self.items:
            errors, warnings = placed.pop(item.question.line, ([], [])) if item.question.line else ([], [])
            rows.append(PreviewRow(item.question.line, item, errors, warnings))
        rows += [
            PreviewRow(number, None, errors, warnings, self.result.glimpses.get(number))
            for number, (errors, warnings) in placed.items()
        ]
        return sorted(rows, key=lambda row: row.number or 0)


@dataclass(frozen=True)
class PreviewRow:
    number: int | None  # the row (sheets) or line (text formats); the preview's anchor
    item: PlannedQuestion | None  # None: the row could not be read as a question, or was skipped
    errors: list[Issue]
    warnings: list[Issue]
    glimpse: Glimpse | None = None  # of a row in error: its type and stem, as far as they were read


def plan_import(
    session: Session, bank_name: str, result: ParseResult, *, require_source: bool | None = None
) -> ImportPlan:
    """Lint the parsed file against the bank and decide, per question, what importing would do.
    Writes nothing."""
    bank = get_bank(session, bank_name)
    current = (
        list(session.scalars(select(Question).where(Question.bank_id == bank.id, Question.current)))
        if bank
        else []
    )
    by_external = {q.external_id: q for q in current if q.external_id}
    by_stem = {q.stem_key: q for q in current}
    plan = ImportPlan(bank_name=bank_name, result=result)
    matched: dict[int, ParsedQuestion] = {}
    first_with_id: dict[str, ParsedQuestion] = {}
    for parsed in result.questions:
        if parsed.external_id in first_with_id:
            _error(
                result,
                parsed,
                _(
                    "编号 %(id)s is also used at %(other)s.",
                    id=parsed.external_id,
                    other=_place(result, first_with_id[parsed.external_id]),
                ),
            )
            continue
        if parsed.external_id:
            first_with_id[parsed.external_id] = parsed
        existing = by_external.get(parsed.external_id) if parsed.external_id else None
        if existing is None:
            # Same normalised stem means the same question, unless both carry different 编号.
            same_stem = by_stem.get(stem_key(parsed.stem))
            if same_stem and not (same_stem.external_id and parsed.external_id):
                existing = same_stem
        if existing is None:
            plan.items.append(PlannedQuestion(parsed, "new"))
            continue
        if existing.id in matched:
            # Two versions of one question in one file: which is meant cannot be guessed.
            _error(
                result,
                parsed,
                _("This is the same bank question as %(other)s.", other=_place(result, matched[existing.id])),
            )
            continue
        matched[existing.id] = parsed
        same = _content(parsed, existing.score) == _content(to_parsed(existing))
        plan.items.append(PlannedQuestion(parsed, "unchanged" if same else "version", existing))
    others = [
        linting.Known(q.external_id or q.stem[:20], linting.question_text(q.stem, q.options))
        for q in current
        if q.id not in matched and not q.retired
    ]
    if require_source is None:
        require_source = bool(bank and bank.require_source)
    linting.lint(result, existing=others, require_source=require_source)
    _twins_elsewhere(session, bank, result)
    return plan


def _twins_elsewhere(session: Session, bank: Bank | None, result: ParseResult) -> None:
    """Warn of questions that another bank asks in other words: either's key answers both, so
    practice and test reviews hold both back while a test may ask either."""
    query = select(
        Question.lineage,
        Question.type,
        Question.stem,
        Question.options,
        Question.answer,
        Question.external_id,
        Bank.name,
    ).join(Bank, Bank.id == Question.bank_id)
    query = query.where(Question.current, Question.retired.is_(False))
    if bank is not None:
        query = query.where(Question.bank_id != bank.id)
    others = {row.lineage: row for row in session.execute(query)}
    if not others:
        return
    mine = {f"#{n}": parsed for n, parsed in enumerate(result.questions)}
    rows = [(key, q.type, q.stem, q.options, q.answer) for key, q in mine.items()]
    rows += [(row.lineage, row.type, row.stem, row.options, row.answer) for row in others.values()]
    found = twins.pairs(rows)
    for key, parsed in mine.items():
        for other in sorted(
            (others[b] for a, b in found if a == key and b in others), key=lambda r: r.lineage
        ):
            stem = other.stem if len(other.stem) <= 30 else other.stem[:30] + "…"
            message = _(
                "Asks the same as %(other)s in %(bank)s (%(stem)s): while a test may ask either, "
                "practice and test reviews hold both back.",
                other=other.external_id,
                stem=stem,
                bank=other.name,
            )
            result.warnings.append(Issue(message, **_at(result, parsed)))


def _place(result: ParseResult, question: ParsedQuestion) -> str:
    return (_("row %(n)d") if result.format in ("xlsx", "csv") else _("line %(n)d")) % {
        "n": question.line or 0
    }


def _at(result: ParseResult, question: ParsedQuestion) -> dict[str, int | None]:
    return {"row" if result.format in ("xlsx", "csv") else "line": question.line}


def _error(result: ParseResult, question: ParsedQuestion, message: str) -> None:
    result.errors.append(Issue(message, **_at(result, question)))


@dataclass(frozen=True)
class ImportSummary:
    bank: Bank
    new: int
    versions: int
    unchanged: int


def apply_import(
    session: Session, actor: User | None, plan: ImportPlan, *, now: datetime, require_source: bool = False
) -> ImportSummary:
    """Write a checked plan in the caller's transaction: all of it or, on any error, none."""
    if not plan.ok:
        raise DomainError(_("The file still has errors; nothing was imported."), ErrorCode.INVALID)
    bank = ensure_bank(session, actor, plan.bank_name, now=now, require_source=require_source)
    rows = []
    for item in plan.items:
        if item.action == "new":
            rows.append(
                _row_values(bank.id, item.question, lineage=uuid.uuid4().hex, version=1, actor=actor, now=now)
            )
        elif item.action == "version":
            assert item.existing is not None
            item.existing.current = False
            rows.append(
                _row_values(
                    bank.id,
                    item.question,
                    lineage=item.existing.lineage,
                    version=item.existing.version + 1,
                    actor=actor,
                    now=now,
                )
            )
    session.flush()  # old versions stop being current before their successors arrive
    if rows:
        session.execute(insert(Question), rows)  # one executemany: 10,000 questions in about a second
        twins.refresh(session)
    new, versions, unchanged = plan.count("new"), plan.count("version"), plan.count("unchanged")
    accounts.record(
        session,
        actor,
        "bank.import",
        bank.name,
        now=now,
        format=plan.result.format,
        new=new,
        versions=versions,
        unchanged=unchanged,
    )
    return ImportSummary(bank, new, versions, unchanged)


def load_shipped_banks(session: Session, *, now: datetime) -> list[ImportSummary]:
    """Import the banks shipped in question_banks/; running it again adds nothing."""
    summaries_ = []
    for filename, bank_name in SHIPPED_BANKS.items():
        result = FORMATS["csv"].parse((SHIPPED_DIR / filename).read_bytes())
        plan = plan_import(session, bank_name, result, require_source=True)
        if not plan.ok:
            raise DomainError(f"{filename}: {plan.result.errors[0]}", ErrorCode.INVALID)
        summaries_.append(apply_import(session, None, plan, now=now, require_source=True))
    return summaries_


# ---- browse, edit, retire, export ------------------------------------------------------------


def search(
    session: Session,
    bank: Bank,
    *,
    type: str = "",
    category: str = "",
    difficulty: int | None = None,
    text: str = "",
    retired: bool = False,
    page: int = 1,
) -> Page[Question]:
    query = (
        select(Question)
        .where(Question.bank_id == bank.id, Question.current, Question.retired == retired)
        .order_by(Question.external_id, Question.id)
    )
    if type in question_types.TYPES:
        query = query.where(Question.type == type)
    if category:
        # Categories are a JSON list stored as text; quoting the name matches whole entries only.
        query = query.where(containing(cast(Question.categories, String), f'"{category}"'))
    if difficulty is not None:
        query = query.where(Question.difficulty == difficulty)
    if text.strip():
        query = query.where(containing(Question.stem, text.strip()) | (Question.external_id == text.strip()))
    return paginate(session, query, page)


def bank_categories(session: Session, bank: Bank) -> list[str]:
    names: set[str] = set()
    for categories in session.scalars(
        select(Question.categories).where(Question.bank_id == bank.id, Question.current)
    ):
        names.update(categories)
    return sorted(names)


def question_or_error(session: Session, question_id: int) -> Question:
    question = session.get(Question, question_id)
    if question is None:
        raise DomainError(_("No such question."), ErrorCode.NOT_FOUND)
    return question


def versions(session: Session, question: Question) -> list[Question]:
    return list(
        session.scalars(
            select(Question).where(Question.lineage == question.lineage).order_by(Question.version.desc())
        )
    )


def edit_question(
    session: Session, actor: User, question_id: int, edited: ParsedQuestion, *, now: datetime
) -> Question:
    """Save an edit as a new version; the old one stays for the papers that showed it."""
    question = question_or_error(session, question_id)
    if not question.current:
        raise DomainError(_("Only the newest version of a question can be edited."), ErrorCode.STALE)
    errors = linting.question_errors(edited, require_source=question.bank.require_source)
    if errors:
        raise DomainError(" ".join(errors), ErrorCode.INVALID)
    if (
        _content(edited, question.score) == _content(to_parsed(question))
        and edited.external_id == question.external_id
    ):
        return question
    question.current = False
    session.flush()
    new = Question(
        **_row_values(
            question.bank_id,
            edited,
            lineage=question.lineage,
            version=question.version + 1,
            actor=actor,
            now=now,
        )
    )
    new.retired = question.retired
    session.add(new)
    session.flush()
    twins.refresh(session)
    accounts.record(
        session,
        actor,
        "question.edit",
        question.external_id or str(new.id),
        now=now,
        bank=question.bank.name,
        version=new.version,
    )
    return new


def set_retired(session: Session, actor: User, question_id: int, retired: bool, *, now: datetime) -> Question:
    question = question_or_error(session, question_id)
    if not question.current:
        raise DomainError(
            _("Only the newest version of a question can be retired or restored."), ErrorCode.STALE
        )
    question.retired = retired
    accounts.record(
        session,
        actor,
        "question.retire" if retired else "question.restore",
        question.external_id or str(question.id),
        now=now,
        bank=question.bank.name,
    )
    return question


def export_bank(session: Session, bank: Bank, format_name: str) -> bytes:
    if format_name not in FORMATS:
        raise DomainError(_("Unknown format %(format)s.", format=format_name), ErrorCode.INVALID)
    questions = session.scalars(
        select(Question)
        .where(Question.bank_id == bank.id, Question.current, Question.retired.is_(False))
        .order_by(Question.external_id, Question.id)
    )
    return FORMATS[format_name].export([to_parsed(question) for question in questions])
