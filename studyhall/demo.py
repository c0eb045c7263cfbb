"""The demo organisation `studyhall serve --demo` loads: fixed accounts anyone can try, and the
question banks shipped in question_banks/.

Loading twice changes nothing: each branch and account is created only if it is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhall.accounts import service as accounts
from studyhall.accounts.models import Branch, Role
from studyhall.banks import service as banks
from studyhall.display import service as displays
from studyhall.display.models import Display, Privacy
from studyhall.display.panels import PanelKind
from studyhall.exams import setup as exam_setup
from studyhall.exams.models import Exam
from studyhall.exams.setup import ExamSpec, RuleSpec
from studyhall.questions.types import BLANK, JUDGE, MULTIPLE, SINGLE
from studyhall.system import service as system

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
