"""The demo organisation `studyhall serve --demo` loads: fixed accounts anyone can try, and the
question banks shipped in question_banks/.

Loading twice changes nothing: each branch and account is created only if it is missing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
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
from studyhall.plans import meetings, reading
from studyhall.plans import service as plans
from studyhall.plans.meeting_models import AttendanceStatus, Meeting
from studyhall.plans.models import ItemKind, MeetingKind, Plan, PlanPeriod
from studyhall.plans.service import ItemSpec, PlanSpec
from studyhall.points import publications
from studyhall.points import service as points
from studyhall.points.service import RuleKey
from studyhall.practice import service as practice
from studyhall.practice import sets as practice_sets
from studyhall.practice import setup as practice_setup
from studyhall.practice.models import PracticeSet, SetKind
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
    # Past the twentieth person the given name shifts by one more, so no two people share a name.
    given = (index * 7 + index // len(_SURNAMES)) % len(_GIVEN)
    return _SURNAMES[index % len(_SURNAMES)] + _GIVEN[given]


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
            # In the organisation before the history below: past boards count those there then.
            now=now - timedelta(weeks=HISTORY_WEEKS + 1),
        )
        added += 1
    banks.load_shipped_banks(session, now=now)
    _demo_exam(session, now)
    _demo_history(session, now)
    _demo_plans(session, now)
    _demo_meetings(session, now)
    _demo_practice(session, now)
    _demo_publications(session, now)
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
    # The same history on every demo server: each part draws from its own stream, so the tests'
    # papers (drawn by the attempt service) cannot shift the 学习强国 figures that follow.
    rng = random.Random(20261207)
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
    today = now.astimezone(zone).date()
    for number, (title, bank_name, weeks_ago, contest) in enumerate(PAST_EXAMS):
        # Opened at 09:00 on a weekday of that week, as an office would set it.
        opened = _local(today - timedelta(weeks=weeks_ago, days=today.weekday() - 1), time(9), zone)
        _past_exam(session, admin, cadres, random.Random(number), title, bank_name, opened, contest)
    _xxqg_snapshots(session, admin, people, random.Random(7), now)
    by_name = {user.username: user for user in people}
    for username, amount, reason, days_ago in MANUAL_AWARDS:
        points.settle(
            session,
            by_name[username].id,
            RuleKey.MANUAL,
            f"manual:demo-{username}-{days_ago}",
            amount,
            at=_local(today - timedelta(days=days_ago), time(10, 15), zone),
            reason=reason,
            by=admin,
        )


PRACTICE_DAYS = 2  # days of 每日答题 behind the demo cadres, so the book and the boards have something
DEMO_TOPIC = "专项答题：检察法律知识（演示）"


def _demo_practice(session: Session, now: datetime) -> None:
    """Every shipped bank open for practice (the demo test's questions stay out of it while the test
    is open), the week's set and a topic set, and a few days of 每日答题 by most cadres: some
    questions answered wrong are in their books, due for review. Made once."""
    if session.scalars(select(PracticeSet.id).where(PracticeSet.title == DEMO_TOPIC)).first() is not None:
        return
    admin = accounts.usernames(session, ["demo-admin"])["demo-admin"]
    for name in banks.SHIPPED_BANKS.values():
        bank = banks.get_bank(session, name)
        if bank is not None:
            practice_setup.open_bank(session, admin, bank, confirmed=True, now=now)
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    today = now.astimezone(zone).date()
    monday, sunday = practice_sets.this_week(today)
    rng = random.Random(13)
    for kind, title, bank_name, count, first, last in (
        (SetKind.WEEKLY, "本周答题：宪法知识（演示）", "宪法知识", 5, monday, sunday),
        (SetKind.TOPIC, DEMO_TOPIC, "检察法律知识", 10, today, today + timedelta(days=13)),
    ):
        bank = banks.get_bank(session, bank_name)
        if bank is None:
            raise LookupError(f"the shipped bank {bank_name} is not loaded")
        spec = practice_sets.SetSpec(kind, title, first, last, [bank.id], count)
        practice_sets.publish(
            session, admin, practice_sets.save(session, admin, spec, now=now, rng=rng), now=now
        )
    cadres = session.scalars(
        select(User)
        .where(User.role == Role.CADRE, User.username.in_([login.username for login in demo_logins()]))
        .order_by(User.username)
    ).all()
    for days_ago in range(PRACTICE_DAYS, 0, -1):
        at = _local(today - timedelta(days=days_ago), time(12, 30), zone)
        for user in cadres:
            if rng.random() < 0.3:
                continue  # not everyone practises every day
            found = practice.daily(session, user, now=at)
            for position, question_id in enumerate(found.question_ids):
                question = session.get_one(Question, question_id)
                response = _typed(question, right=rng.random() < 0.75, rng=rng)
                practice.answer(session, user, found.id, position, response, now=at)


def _typed(question: Question, *, right: bool, rng: random.Random) -> object:
    """A response as a cadre sends it (the letters shown in the bank's own order, true/false, or a
    text per blank): the key, or a plausible wrong one."""
    if types.get(question.type).has_blanks:
        accepted: list[list[str]] = question.answer  # type: ignore[assignment]
        return [alternatives[0] if right else "不记得了" for alternatives in accepted]
    return question.answer if right else _wrong(question.answer, rng)


def _demo_publications(session: Session, now: datetime) -> None:
    """The weekly and monthly 积分公示 of the history's weeks, as the schedule would have published
    them each morning at 08:01 — made last, once every point of the history is in (a notice frozen
    before the plans' points would disagree with the board of its own week). Made once: the
    schedule's keys are unique, so a second load publishes nothing."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    first_day = (now.astimezone(zone) - timedelta(weeks=HISTORY_WEEKS)).date()
    if publications.schedule(session) is None:
        admin = accounts.usernames(session, ["demo-admin"])["demo-admin"]
        publications.set_schedule(
            session,
            admin,
            weekly=True,
            monthly=True,
            highlights=publications.Highlights(),
            now=_local(first_day, time(0), zone),
        )
    for offset in range(HISTORY_WEEKS * 7 + 1):  # each morning's sweep, just after 08:00
        moment = _local(first_day + timedelta(days=offset), time(8, 1), zone)
        if moment <= now:
            publications.publish_due(session, now=moment)


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, zone)


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
    """Two 学习强国 exports, four weeks and three days old, imported as an administrator would: each
    person earns a steady number of points a day (学习强国 gives at most about 50), so a total grows
    by about 25 days of it between them and a week's figure is about seven days of it."""
    base = {user.id: rng.randrange(5000, 18000) for user in people}
    daily = {user.id: rng.randrange(8, 45) for user in people}
    for days_ago, grown in ((28, 0), (3, 25)):
        day = (now - timedelta(days=days_ago)).date()
        lines = ["工号,姓名,所在组织,总积分,本周积分"]
        for user in people:
            base[user.id] += grown * daily[user.id] + rng.randrange(-grown, grown + 1)
            week = 7 * daily[user.id] + rng.randrange(-10, 11)
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


# ---- weekly study plans ------------------------------------------------------------------------
# Study notes written for the demo: the articles quoted are those of the Constitution as amended in
# 2018 and of the National Security Law of 2015.

CONSTITUTION_GENERAL = """<p>宪法是国家的根本法，是治国安邦的总章程。本篇摘学宪法第一章《总纲》中的几条，请逐条读原文，再读学习提示。</p>
<h3>第一条</h3>
<p>中华人民共和国是工人阶级领导的、以工农联盟为基础的人民民主专政的社会主义国家。</p>
<p>社会主义制度是中华人民共和国的根本制度。中国共产党领导是中国特色社会主义最本质的特征。禁止任何组织或者个人破坏社会主义制度。</p>
<blockquote>学习提示：“中国共产党领导是中国特色社会主义最本质的特征”一句是2018年修改宪法时写入的，把党的领导写进了宪法正文。</blockquote>
<h3>第二条</h3>
<p>中华人民共和国的一切权力属于人民。</p>
<p>人民行使国家权力的机关是全国人民代表大会和地方各级人民代表大会。</p>
<p>人民依照法律规定，通过各种途径和形式，管理国家事务，管理经济和文化事业，管理社会事务。</p>
<h3>第五条</h3>
<p>中华人民共和国实行依法治国，建设社会主义法治国家。</p>
<p>国家维护社会主义法制的统一和尊严。</p>
<p>一切法律、行政法规和地方性法规都不得同宪法相抵触。</p>
<p>一切国家机关和武装力量、各政党和各社会团体、各企业事业组织都必须遵守宪法和法律。一切违反宪法和法律的行为，必须予以追究。</p>
<p>任何组织或者个人都不得有超越宪法和法律的特权。</p>
<blockquote>学习提示：检察机关办理每一件案件，都是在维护法制的统一和尊严。想一想：在自己的岗位上，哪些做法体现了“任何组织或者个人都不得有超越宪法和法律的特权”？</blockquote>
<h3>第二十七条第三款</h3>
<p>国家工作人员就职时应当依照法律规定公开进行宪法宣誓。</p>"""

CONSTITUTION_PROCURATORATE = """<p>宪法第三章《国家机构》第八节专门规定人民法院和人民检察院。作为检察干警，下面几条应当熟读能背。</p>
<h3>第一百三十四条</h3>
<p>中华人民共和国人民检察院是国家的法律监督机关。</p>
<h3>第一百三十五条</h3>
<p>中华人民共和国设立最高人民检察院、地方各级人民检察院和军事检察院等专门人民检察院。</p>
<p>最高人民检察院检察长每届任期同全国人民代表大会每届任期相同，连续任职不得超过两届。</p>
<p>人民检察院的组织由法律规定。</p>
<h3>第一百三十六条</h3>
<p>人民检察院依照法律规定独立行使检察权，不受行政机关、社会团体和个人的干涉。</p>
<h3>第一百四十条</h3>
<p>人民法院、人民检察院和公安机关办理刑事案件，应当分工负责，互相配合，互相制约，以保证准确有效地执行法律。</p>
<blockquote>学习提示：2018年修改宪法增加了“监察委员会”一节，原第一百二十九条至第一百三十五条因此顺延为现在的第一百三十四条至第一百四十条。引用条文时请以现行宪法的条号为准。</blockquote>"""

CONSTITUTION_CITIZENS = """<p>宪法第二章规定公民的基本权利和义务。权利和义务是统一的：第三十三条第四款写明，任何公民享有宪法和法律规定的权利，同时必须履行宪法和法律规定的义务。</p>
<h3>第三十三条</h3>
<p>凡具有中华人民共和国国籍的人都是中华人民共和国公民。</p>
<p>中华人民共和国公民在法律面前一律平等。</p>
<p>国家尊重和保障人权。</p>
<p>任何公民享有宪法和法律规定的权利，同时必须履行宪法和法律规定的义务。</p>
<h3>第五十一条</h3>
<p>中华人民共和国公民在行使自由和权利的时候，不得损害国家的、社会的、集体的利益和其他公民的合法的自由和权利。</p>
<h3>第五十二条</h3>
<p>中华人民共和国公民有维护国家统一和全国各民族团结的义务。</p>
<h3>第五十三条</h3>
<p>中华人民共和国公民必须遵守宪法和法律，保守国家秘密，爱护公共财产，遵守劳动纪律，遵守公共秩序，尊重社会公德。</p>
<h3>第五十四条</h3>
<p>中华人民共和国公民有维护祖国的安全、荣誉和利益的义务，不得有危害祖国的安全、荣誉和利益的行为。</p>"""

NATIONAL_SECURITY = """<p>《中华人民共和国国家安全法》于2015年7月1日通过施行。本篇摘学其中几条。</p>
<h3>第二条</h3>
<p>国家安全是指国家政权、主权、统一和领土完整、人民福祉、经济社会可持续发展和国家其他重大利益相对处于没有危险和不受内外威胁的状态，以及保障持续安全状态的能力。</p>
<h3>第三条</h3>
<p>国家安全工作应当坚持总体国家安全观，以人民安全为宗旨，以政治安全为根本，以经济安全为基础，以军事、文化、社会安全为保障，以促进国际安全为依托，维护各领域国家安全，构建国家安全体系，走中国特色国家安全道路。</p>
<h3>第十四条</h3>
<p>每年4月15日为全民国家安全教育日。</p>
<blockquote>学习提示：维护国家安全是每一名公民的责任和义务，国家工作人员更应带头。工作中接触涉密材料，要严格遵守保密规定。</blockquote>"""

THIS_WEEK_THEME = "学习贯彻宪法　维护宪法权威"


def _demo_plans(session: Session, now: datetime) -> None:
    """Last week's plan, partly done by the demo cadres; this week's, published on its Monday at
    08:00 and begun by some; next week's, scheduled for its Monday 08:00. All through the plans
    service. Made once: a second load finds this week's theme."""
    if session.scalars(select(Plan.id).where(Plan.theme == THIS_WEEK_THEME)).first() is not None:
        return
    admin = accounts.usernames(session, ["demo-admin"])["demo-admin"]
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    monday = plans.period_start(PlanPeriod.WEEK, plans.local_today(now))
    before, after = monday - timedelta(weeks=1), monday + timedelta(weeks=1)
    exam_id = session.scalars(select(Exam.id).where(Exam.title == DEMO_EXAM)).one()
    last = _demo_plan(
        session,
        admin,
        before,
        "学习《中华人民共和国国家安全法》",
        [
            _read("国家安全法第二条、第三条、第十四条", NATIONAL_SECURITY, _due(before, 2)),
            _read("宪法第三十三条、第五十一条至第五十四条", CONSTITUTION_CITIZENS, _due(before, 4)),
            ItemSpec(
                ItemKind.REFLECTION,
                "学习国家安全法心得体会",
                _due(before, 6),
                points=3,
                prompt="结合检察工作，谈谈如何树立总体国家安全观。",
                min_chars=500,
            ),
        ],
        now=now,
    )
    plans.schedule(session, admin, last.id, None, now=_local(before, time(8), zone))
    current = _demo_plan(
        session,
        admin,
        monday,
        THIS_WEEK_THEME,
        [
            _read("宪法第一章《总纲》摘学", CONSTITUTION_GENERAL, _due(monday, 2), minutes=10),
            _read("宪法中的人民检察院", CONSTITUTION_PROCURATORATE, _due(monday, 4), minutes=5),
            ItemSpec(
                ItemKind.MEETING,
                "主题党日：重温宪法宣誓誓词",
                _due(monday, 4),
                points=3,
                meeting_kind=MeetingKind.THEME_DAY,
                starts_at=_local(monday + timedelta(days=4), time(15), zone),
                place="机关三楼会议室",
            ),
            ItemSpec(
                ItemKind.REFLECTION,
                "学习宪法心得体会",
                _due(monday, 6),
                points=3,
                prompt="结合本周学习和检察工作实际，谈谈如何做宪法的忠实崇尚者、自觉遵守者和坚定捍卫者。",
                min_chars=500,
            ),
            ItemSpec(ItemKind.TEST, "参加国家安全知识测试", _due(monday, 6), exam_id=exam_id),
        ],
        now=now,
    )
    this_morning = _local(monday, time(8), zone)
    if now < this_morning:  # loaded early on a Monday: it appears at 08:00 like any plan
        plans.schedule(session, admin, current.id, this_morning, now=now)
    else:
        plans.schedule(session, admin, current.id, None, now=this_morning)
    upcoming = _demo_plan(
        session,
        admin,
        after,
        "学习宪法第二章　公民的基本权利和义务",
        [_read("宪法第三十三条：公民在法律面前一律平等", CONSTITUTION_CITIZENS, _due(after, 2))],
        now=now,
    )
    plans.schedule(session, admin, upcoming.id, _local(after, time(8), zone), now=now)
    usernames = [login.username for login in demo_logins() if login.role is Role.CADRE]
    cadres = list(session.scalars(select(User).where(User.username.in_(usernames)).order_by(User.username)))
    rng = random.Random(20260413)
    _done_by_some(
        session,
        last,
        cadres,
        rng,
        share=0.8,
        since=_local(before, time(8), zone),
        until=_local(monday, time(0), zone),
    )
    if now > this_morning:  # demo001 has all of this week before them
        _done_by_some(session, current, cadres[1:], rng, share=0.3, since=this_morning, until=now)


def _demo_plan(
    session: Session, admin: User, start: date, theme: str, items: list[ItemSpec], *, now: datetime
) -> Plan:
    return plans.save_plan(session, admin, PlanSpec(PlanPeriod.WEEK, start, theme, items=items), now=now)


def _read(title: str, text: str, due: datetime, *, minutes: int | None = None) -> ItemSpec:
    return ItemSpec(
        ItemKind.READ, title, due, points=2, body_html=text, min_seconds=minutes * 60 if minutes else None
    )


def _due(monday: date, days: int) -> datetime:
    """22:00 on the week's day `days` after its Monday (6: Sunday)."""
    return _local(monday + timedelta(days=days), time(22), ZoneInfo(current_app.config["TIMEZONE"]))


def _done_by_some(
    session: Session,
    plan: Plan,
    cadres: list[User],
    rng: random.Random,
    *,
    share: float,
    since: datetime,
    until: datetime,
) -> None:
    """About `share` of the cadres mark each of the plan's read items done, between the two times.
    An item with a minimum time is done by reading it that long: its page shows the time read."""
    seconds = max(1, int((until - since).total_seconds()))
    for item in plan.items:
        if item.kind is not ItemKind.READ:
            continue
        for cadre in cadres:
            if rng.random() < share:
                at = since + timedelta(seconds=rng.randrange(seconds))
                if item.min_seconds:
                    # As the page's beats count it: the minimum reached, a beat's worth over at most.
                    read = item.min_seconds + rng.randrange(reading.MAX_BEAT.seconds)
                    progress = plans.progress_for(session, cadre, item, at - timedelta(seconds=read))
                    progress.seconds, progress.last_beat_at = read, at
                plans.mark_done(session, cadre, item, now=at)


# ---- 三会一课 records -----------------------------------------------------------------------------
# Each 党支部's meetings since the start of the last quarter, recorded by its secretary the day after:
# a 党员大会 and a 党课 each quarter, a 支部委员会 and a 党小组会 (per 党小组) each month. 第四党支部 missed
# last quarter's 党课 and one of its 支部委员会, so the checklist shows what falls short as well.

MEETING_TOPICS = {
    MeetingKind.ASSEMBLY: ("传达学习全国两会精神，通报支部上季度工作", "讨论本季度发展党员工作计划"),
    MeetingKind.COMMITTEE: (
        "研究本月学习计划和主题党日安排",
        "研究党费收缴、使用情况",
        "研究检察业务与党建融合措施",
    ),
    MeetingKind.GROUP: (
        "学习《中国共产党纪律处分条例》",
        "交流学习宪法的心得体会",
        "开展谈心谈话、批评和自我批评",
    ),
    MeetingKind.LECTURE: ("深入学习贯彻习近平法治思想",),
}
LEAVE_REASONS = ("出差", "病假", "外出办案", "参加培训")


def _demo_meetings(session: Session, now: datetime) -> None:
    """Made once: a second load finds the meetings of the first."""
    if session.scalars(select(Meeting.id).limit(1)).first() is not None:
        return
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    last_quarter = meetings.Quarter.of(now.astimezone(zone).date()).previous
    first_day = last_quarter.first_day
    rng = random.Random(20260701)
    root = by_root(session)
    for number, name in enumerate(BRANCHES, start=1):
        branch = session.scalars(select(Branch).where(Branch.name == name, Branch.parent_id == root.id)).one()
        secretary = accounts.usernames(session, [f"demo-sec{number}"])[f"demo-sec{number}"]
        groups = list(
            session.scalars(select(Branch).where(Branch.parent_id == branch.id).order_by(Branch.name))
        )
        held: list[tuple[MeetingKind, Branch, datetime]] = []
        month = first_day.replace(day=1)
        while month <= now.astimezone(zone).date():
            quarter = meetings.Quarter.of(month)
            third = month.month - quarter.first_day.month  # the month's place in its quarter: 0, 1, 2
            short = number == 4 and quarter == last_quarter
            if not (short and third == 0):
                held.append((MeetingKind.COMMITTEE, branch, _local(month.replace(day=5), time(16), zone)))
            held += [
                (MeetingKind.GROUP, group, _local(month.replace(day=12), time(16, 30), zone))
                for group in groups
            ]
            if third == 1:
                held.append((MeetingKind.ASSEMBLY, branch, _local(month.replace(day=10), time(15), zone)))
            if third == 2 and not short:
                held.append((MeetingKind.LECTURE, branch, _local(month.replace(day=20), time(15), zone)))
            month = (month + timedelta(days=32)).replace(day=1)
        for kind, unit, starts_at in held:
            if starts_at < now:
                _demo_meeting(session, secretary, kind, unit, starts_at, rng, now)


def _demo_meeting(
    session: Session,
    secretary: User,
    kind: MeetingKind,
    unit: Branch,
    starts_at: datetime,
    rng: random.Random,
    now: datetime,
) -> None:
    rows = meetings.roster(session, unit.id)
    people = [row.person for row in rows]
    if kind is MeetingKind.COMMITTEE:  # the 支部委员会: its secretary and a member from each 党小组
        committee = {secretary.id} | {
            min((person for person in people if person.branch_id == branch_id), key=lambda p: p.username).id
            for branch_id in {person.branch_id for person in people if person.branch_id != unit.id}
        }
        people = [person for person in people if person.id in committee]
    marks = []
    for person in people:
        draw = rng.random()
        if draw < 0.07:
            marks.append(meetings.Mark(person.id, AttendanceStatus.LEAVE, rng.choice(LEAVE_REASONS)))
        elif draw < 0.09:
            marks.append(meetings.Mark(person.id, AttendanceStatus.ABSENT))
        else:
            marks.append(meetings.Mark(person.id, AttendanceStatus.PRESENT))
    topic = rng.choice(MEETING_TOPICS[kind])
    leader = kind is MeetingKind.LECTURE
    spec = meetings.MeetingSpec(
        branch_id=unit.id,
        kind=kind.value,
        topic=topic,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1, minutes=30),
        place="机关报告厅" if leader else "机关三楼会议室",
        host_id=None if leader else (secretary.id if unit.id == secretary.branch_id else people[0].id),
        host_name="机关党委书记 张明" if leader else "",
        recorder_id=people[-1].id,
        agenda="一、学习有关文件\n二、交流讨论\n三、部署下一步工作",
        minutes=f"会议围绕“{topic}”进行了学习讨论。与会党员结合检察工作实际逐一发言，"
        "会议明确了下一步工作要求，由支部委员会抓好落实。",
    )
    meetings.save(session, secretary, spec, marks, now=min(starts_at + timedelta(days=1), now))


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
        panels=[
            PanelKind.PEOPLE,
            PanelKind.BRANCHES,
            PanelKind.PUBLICATION,  # from the first 积分公示 published on
            PanelKind.XUEXI,
            PanelKind.PLAN,
            PanelKind.NEXT_EXAM,
            PanelKind.NOTICE,
        ],
        rotate_seconds=15,
        privacy=Privacy.SURNAME,
        notice="学习贯彻党的二十大精神，争当学习标兵。\n本周五下午 3 点在三楼会议室召开支部党员大会。",
    )
    return displays.register(session, None, spec, now=now)
