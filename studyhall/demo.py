"""The demo organisation `studyhall serve --demo` loads: fixed accounts anyone can try, and the
question banks shipped in question_banks/.

Loading twice changes nothing: each branch and account is created only if it is missing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhall.accounts import service as accounts
from studyhall.accounts.models import Branch, Role, User
from studyhall.banks import service as banks
from studyhall.banks.models import Question
from studyhall.display import service as displays
from studyhall.display.models import Display, Privacy
from studyhall.display.panels import PanelKind
from studyhall.exams import service as exam_service
from studyhall.exams import setup as exam_setup
from studyhall.exams.models import Exam, ExamMode
from studyhall.exams.setup import ExamSpec, RuleSpec
from studyhall.points import service as points
from studyhall.points.service import RuleKey
from studyhall.questions import types
from studyhall.questions.types import BLANK, JUDGE, MULTIPLE, SINGLE
from studyhall.system import service as system
from studyhall.xxqg import imports as xxqg

PASSWORD = "studyhall-demo"
ROOT = "机关党委"
BRANCHES = ("第一党支部", "第二党支部", "第三党支部", "第四党支部")
GROUPS = ("第一党小组", "第二党小组")
CADRES_PER_GROUP = 5
# Demo people get plausible names; these are data, not interface text.
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
_GIVEN = (
    "建国",
    "晓燕",
    "志强",
    "丽华",
    "海涛",
    "静",
    "伟",
    "敏",
    "磊",
    "婷婷",
    "明",
    "芳",
    "军",
    "霞",
    "勇",
    "娟",
    "杰",
    "慧",
    "斌",
    "雪",
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: Role
    branch: str


def demo_logins() -> list[DemoLogin]:
    logins = [DemoLogin("demo-admin", Role.ADMIN, ROOT)]
    for index, branch in enumerate(BRANCHES, start=1):
        logins.append(DemoLogin(f"demo-sec{index}", Role.SECRETARY, branch))
    number = 0
    for branch in BRANCHES:
        for group in GROUPS:
            for _ in range(CADRES_PER_GROUP):
                number += 1
                logins.append(DemoLogin(f"demo{number:03d}", Role.CADRE, f"{branch}/{group}"))
    return logins


def logins_by_role() -> list[tuple[Role, list[str]]]:
    """The demo 工号 per role, for the sign-in page of a demo server."""
    by_role: dict[Role, list[str]] = {}
    for login in demo_logins():
        by_role.setdefault(login.role, []).append(login.username)
    return list(by_role.items())


def xxqg_sample_people() -> list[tuple[str, str]]:
    """姓名 and 所在组织 of the people in the sample 学习强国 export the upload page offers while no
    export is saved (after one, it holds that one's people): the first cadre of each 党小组, their
    organisation written as an export writes it (机关党委/第一党支部/第一党小组), so that on a demo
    server every row matches its person."""
    seen: set[str] = set()
    people: list[tuple[str, str]] = []
    for index, login in enumerate(demo_logins()):
        if login.role is Role.CADRE and login.branch not in seen:
            seen.add(login.branch)
            people.append((_display_name(login.username, index), f"{ROOT}/{login.branch}"))
    return people


def _display_name(username: str, index: int) -> str:
    if username == "demo-admin":
        return "演示管理员"
    return _SURNAMES[index % len(_SURNAMES)] + _GIVEN[(index * 7) % len(_GIVEN)]


def _ensure_branch(session: Session, name: str, parent: Branch | None, now: datetime) -> Branch:
    parent_id = parent.id if parent else None
    branch = session.scalars(
        select(Branch).where(
            Branch.name == name,
            Branch.parent_id.is_(None) if parent is None else Branch.parent_id == parent_id,
        )
    ).first()
    return branch or accounts.create_branch(session, None, name, parent_id, now=now)


def load_demo(session: Session, *, now: datetime) -> int:
    """Create what is missing of the demo organisation; returns how many accounts were added."""
    root = _ensure_branch(session, ROOT, None, now)
    by_path = {ROOT: root}
    for branch_name in BRANCHES:
        branch = by_path[branch_name] = _ensure_branch(session, branch_name, root, now)
        for group in GROUPS:
            by_path[f"{branch_name}/{group}"] = _ensure_branch(session, group, branch, now)
    logins = demo_logins()
    existing = accounts.usernames(session, (login.username for login in logins))
    added = 0
    for index, login in enumerate(logins):
        if login.username in existing:
            continue
        accounts.create_user(
            session,
            None,
            username=login.username,
            display_name=_display_name(login.username, index),
            role=login.role,
            branch_id=by_path[login.branch].id,
            password=PASSWORD,
            must_change_password=False,
            now=now,
        )
        added += 1
    banks.load_shipped_banks(session, now=now)
    _demo_exam(session, now)
    _demo_history(session, now)
    system.set_setting(session, system.DEMO_SETTING, "1")
    return added


DEMO_EXAM = "全民国家安全教育日知识测试（演示）"


def _demo_exam(session: Session, now: datetime) -> None:
    """A closed-book test open to every demo cadre at once: 20 questions, 15 minutes, 100 points."""
    if session.scalars(select(Exam.id).where(Exam.title == DEMO_EXAM)).first() is not None:
        return
    bank = banks.get_bank(session, "国家安全知识")
    if bank is None:
        raise LookupError("the shipped bank 国家安全知识 is not loaded")
    admin = accounts.usernames(session, ["demo-admin"])["demo-admin"]
    rules = [
        RuleSpec(bank.id, count, score, type=kind.key)
        for kind, count, score in ((SINGLE, 10, 4), (MULTIPLE, 4, 6), (JUDGE, 4, 4), (BLANK, 2, 10))
    ]
    spec = ExamSpec(
        title=DEMO_EXAM,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=60),
        time_limit_minutes=15,
        instructions="闭卷作答，共 20 题，满分 100 分，限时 15 分钟。答案随时自动保存。",
        partial_credit=True,
        tab_switch_limit=None,
        branch_ids=[by_root(session).id],
        rules=rules,
    )
    exam_setup.publish(session, admin, exam_setup.save_exam(session, admin, spec, now=now), now=now)


# Eight weeks of life before the demo starts, so that every board, chart and 积分公示 looks real.
HISTORY_WEEKS = 8
PAST_EXAMS = (
    # title, bank, weeks ago, contest?
    ("宪法知识测试（演示·已结束）", "宪法知识", 6, False),
    ("党章党规知识竞赛（演示·已结束）", "党章党规知识", 3, True),
)
MANUAL_AWARDS = (
    # 工号, points, reason, days ago
    ("demo003", 3, "参加主题党日志愿服务", 40),
    ("demo012", 5, "学习心得被机关党委转发", 25),
    ("demo021", 3, "参加“宪法宣传周”宣讲", 9),
    ("demo030", -2, "未按时提交学习笔记", 12),
)


def _demo_history(session: Session, now: datetime) -> None:
    """Sign-ins on most days, two finished tests taken by most cadres, and a few manual awards with
    reasons, spread over the weeks before `now`. Made once: a second load finds the first past test."""
    if session.scalars(select(Exam.id).where(Exam.title == PAST_EXAMS[0][0])).first() is not None:
        return
    rng = random.Random(20261207)  # the same history on every demo server
    people = list(
        session.scalars(
            select(User)
            .where(User.username.in_([login.username for login in demo_logins()]))
            .order_by(User.username)
        )
    )
    cadres = [user for user in people if user.role == Role.CADRE]
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    first_day = (now.astimezone(zone) - timedelta(weeks=HISTORY_WEEKS)).date()
    for user in people:
        keen = rng.uniform(0.45, 0.95)
        for offset in range(HISTORY_WEEKS * 7):
            if rng.random() < keen:
                day = first_day + timedelta(days=offset)
                at = datetime.combine(day, time(7, 30), zone) + timedelta(minutes=rng.randrange(13 * 60))
                points.award(session, user.id, RuleKey.LOGIN, f"day:{day.isoformat()}", at=at)
    admin = accounts.usernames(session, ["demo-admin"])["demo-admin"]
    for title, bank_name, weeks_ago, contest in PAST_EXAMS:
        _past_exam(session, admin, cadres, rng, title, bank_name, now - timedelta(weeks=weeks_ago), contest)
    _xxqg_snapshots(session, admin, people, rng, now)
    by_name = {user.username: user for user in people}
    for username, amount, reason, days_ago in MANUAL_AWARDS:
        points.settle(
            session,
            by_name[username].id,
            RuleKey.MANUAL,
            f"manual:demo-{username}-{days_ago}",
            amount,
            at=now - timedelta(days=days_ago),
            reason=reason,
            by=admin,
        )


def _past_exam(
    session: Session,
    admin: User,
    cadres: list[User],
    rng: random.Random,
    title: str,
    bank_name: str,
    opened: datetime,
    contest: bool,
) -> None:
    """A test that ran for two days from `opened`, taken through the real attempt service by about
    nine cadres in ten, each answering right with their own probability."""
    bank = banks.get_bank(session, bank_name)
    if bank is None:
        raise LookupError(f"the shipped bank {bank_name} is not loaded")
    spec = ExamSpec(
        title=title,
        opens_at=opened,
        closes_at=opened + timedelta(days=2),
        time_limit_minutes=15,
        mode=ExamMode.CONTEST if contest else ExamMode.EXAM,
        pass_mark=60,
        branch_ids=[by_root(session).id],
        rules=[
            RuleSpec(bank.id, count, score, type=kind.key)
            for kind, count, score in ((SINGLE, 10, 5), (MULTIPLE, 5, 6), (JUDGE, 5, 4))
        ],
    )
    exam = exam_setup.save_exam(session, admin, spec, now=opened)
    exam_setup.publish(session, admin, exam, now=opened)
    for cadre in cadres:
        if rng.random() > 0.9:
            continue  # 未参考: the roster shows them
        skill = rng.uniform(0.5, 0.98)
        start = opened + timedelta(minutes=rng.randrange(2 * 24 * 60 - 30))
        attempt = exam_service.start_or_resume(session, exam.id, cadre, now=start).attempt
        for item in attempt.items:
            question = session.get_one(Question, item.question_id)
            kind = types.get(question.type)
            stored = question.answer if rng.random() < skill else _wrong(question.answer, rng)
            response = kind.to_shown(item.option_order, stored)
            exam_service.save_answer(session, attempt.id, cadre, item.position, response, 1, now=start)
        exam_service.submit(
            session, attempt.id, cadre, now=start + timedelta(seconds=rng.randrange(240, 840))
        )


def _xxqg_snapshots(
    session: Session, admin: User, people: list[User], rng: random.Random, now: datetime
) -> None:
    """Two 学习强国 exports, four weeks and three days old, imported as an administrator would."""
    base = {user.id: rng.randrange(5000, 18000) for user in people}
    for days_ago, grown in ((28, 0), (3, 1)):
        day = (now - timedelta(days=days_ago)).date()
        lines = ["工号,姓名,所在组织,总积分,本周积分"]
        for user in people:
            week = rng.randrange(60, 260)
            base[user.id] += grown * rng.randrange(150, 900)
            lines.append(
                f"{user.username},{user.display_name},{accounts.branch_path(user.branch)},{base[user.id]},{week}"
            )
        data = "\n".join(lines).encode()
        plan = xxqg.plan_import(
            session, f"学习强国积分导出{day.isoformat()}.csv", data, exported_on=day, today=day
        )
        xxqg.apply_import(session, admin, plan, now=now - timedelta(days=days_ago))


def _wrong(answer: object, rng: random.Random) -> object:
    """A plausible wrong answer in the question's own terms (letters, true/false)."""
    if isinstance(answer, bool):
        return not answer
    letters = [letter for letter in "ABCD" if letter not in answer]  # type: ignore[operator]
    return [rng.choice(letters)] if letters else ["A"]


def by_root(session: Session) -> Branch:
    return session.scalars(select(Branch).where(Branch.name == ROOT, Branch.parent_id.is_(None))).one()


DEMO_SCREEN = "一楼走廊屏（演示）"


def demo_screen(session: Session, *, now: datetime) -> Display:
    """The demo's corridor screen: the one registered before if it is still in use, else a new one."""
    found = session.scalars(
        select(Display).where(Display.name == DEMO_SCREEN, Display.revoked_at.is_(None)).order_by(Display.id)
    ).first()
    if found is not None:
        return found
    spec = displays.ScreenSpec(
        name=DEMO_SCREEN,
        panels=[PanelKind.PEOPLE, PanelKind.BRANCHES, PanelKind.NEXT_EXAM, PanelKind.NOTICE],
        rotate_seconds=15,
        privacy=Privacy.SURNAME,
        notice="学习贯彻党的二十大精神，争当学习标兵。\n本周五下午 3 点在三楼会议室召开支部党员大会。",
    )
    return displays.register(session, None, spec, now=now)
