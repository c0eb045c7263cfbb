"""Importing an office's year plan table: a good file (merged cells, Excel dates and text dates,
every kind) creating its weeks and months as drafts; every kind of bad input named by row and
column with nothing written; drafts replaced but scheduled and published plans never touched; a
confirmation replayed importing nothing twice; the template importing as it is."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from studyhall import db
from studyhall.accounts.models import AuditEvent, User
from studyhall.errors import DomainError
from studyhall.exams.models import Exam
from studyhall.plans import service, year_import
from studyhall.plans.models import ItemKind, MeetingKind, Plan, PlanPeriod, PlanStatus
from studyhall.system.models import StagedFile
from tests.conftest import START
from tests.plans.conftest import SUNDAY_2200, read, signed_in

NEXT_SUNDAY = SUNDAY_2200 + timedelta(weeks=1)  # 22:00, the last day of the week of 2026-04-20
HEADER = (
    "月份",
    "周次",
    "时间",
    "学习主题",
    "学习内容",
    "形式",
    "完成时限",
    "积分",
    "要求",
    "链接",
    "测试名称",
    "会议时间",
    "地点",
)
SERIAL_APRIL_24 = (date(2026, 4, 24) - date(1899, 12, 30)).days  # an Excel date typed as a number
# As offices draw it: a title, the month, week, dates and theme merged down the week's rows, dates
# as text, as date cells and as serials, and each kind of item.
GOOD = [
    ("2026年度党建工作计划表",),
    HEADER,
    (
        "4月",
        "第16周",
        "4.13-4.19",
        "学习贯彻宪法",
        "学习宪法第一章",
        "阅读",
        "4月17日",
        2,
        "通读第一章",
        "",
        "",
        "",
        "",
    ),
    ("", "", "", "", "观看宪法专题片", "观看", "", 1, "", "http://intranet/v1", "", "", ""),
    (
        "",
        "",
        "",
        "",
        "支部党员大会：学习宪法",
        "支部党员大会",
        "",
        2,
        "",
        "",
        "",
        "2026-04-15 15:00",
        "三楼会议室",
    ),
    ("", "", "", "", "宪法知识测试", "测试", datetime(2026, 4, 19, 20, 0), 5, "", "", "宪法知识测试", "", ""),
    (
        "",
        "第17周",
        "",
        "深入学习党章",
        "撰写学习心得",
        "心得",
        SERIAL_APRIL_24,
        3,
        "结合工作谈体会",
        "",
        "",
        "",
        "",
    ),
    (
        "5月",
        "",
        "",
        "五月主题党日",
        "主题党日：参观教育基地",
        "主题党日",
        "",
        "2分",
        "",
        "",
        "",
        "5月20日",
        "教育基地",
    ),
    ("", "第18周", "", "", "", "", "", "", "", "", "", "", ""),  # a week not planned yet
]
MERGED = ["A1:M1", "A3:A6", "B3:B6", "C3:C6", "D3:D6", "A8:A9"]


def xlsx(rows: list[tuple[object, ...]], merged: list[str] | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    for cells in merged or []:
        sheet.merge_cells(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def exam(app, org) -> int:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        found = Exam(
            title="宪法知识测试",
            opens_at=START,
            closes_at=START + timedelta(days=7),
            time_limit_minutes=15,
            created_at=START,
            published_at=START,
        )
        session.add(found)
        session.commit()
        return found.id


def checked(
    app,
    rows_or_data,
    *,
    filename: str = "年度计划.xlsx",
    year: int = 2026,
    by: str = "admin1",
    branch_id=None,
):  # type: ignore[no-untyped-def]
    data = rows_or_data if isinstance(rows_or_data, bytes) else xlsx(rows_or_data)
    with app.app_context(), db.new_session() as session:
        actor = session.scalars(select(User).where(User.username == by)).one()
        return year_import.plan_import(session, actor, filename, data, year_=year, branch_id=branch_id)


def problems(app, rows, **options) -> list[tuple[int | None, str, str]]:  # type: ignore[no-untyped-def]
    return [
        (problem.row, problem.column, problem.message) for problem in checked(app, rows, **options).problems
    ]


def one_week(*rows: tuple[object, ...]) -> list[tuple[object, ...]]:
    return [HEADER, *rows]


def row(
    week: object = "第16周",
    theme: str = "学习贯彻宪法",
    title: str = "学习宪法",
    kind: str = "阅读",
    **cells: object,
) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    values = {
        "月份": "",
        "周次": week,
        "时间": "",
        "学习主题": theme,
        "学习内容": title,
        "形式": kind,
        **cells,
    }
    return tuple(values.get(name, "") for name in HEADER)


def plans(app) -> list[Plan]:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        query = select(Plan).options(selectinload(Plan.items)).order_by(Plan.start, Plan.period)
        return list(session.scalars(query))


def upload(client, data: bytes, filename: str = "年度计划.xlsx", year: str = "2026", level: str = ""):  # type: ignore[no-untyped-def]
    return client.post(
        "/plans/year/import",
        data={"year": year, "level": level, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def token_of(page: str) -> str:
    found = re.search(r'name="token" type="hidden" value="([^"]+)"', page)
    assert found, "no confirmation on the page"
    return found.group(1)


def test_an_office_table_with_merged_cells_becomes_drafts_of_its_weeks_and_month(app, org, exam, session):
    client = signed_in(app, "admin1")
    preview = upload(client, xlsx(GOOD, MERGED))
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "个问题" not in page
    assert "3 个周（月）" in page and "6 项学习任务" in page and "建立 3 份草稿" in page
    assert plans(app) == []  # nothing until confirmed

    confirmed = client.post(
        "/plans/year/import/confirm", data={"token": token_of(page), "year": "2026", "level": ""}
    )
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == "/plans/year/2026"
    assert "年度计划已导入：新建草稿 3 份，替换草稿 0 份，共 6 项学习任务。" in client.get(
        "/plans/year/2026"
    ).get_data(as_text=True)

    week16, week17, may = plans(app)
    assert (week16.period, week16.start, week16.theme) == (PlanPeriod.WEEK, date(2026, 4, 13), "学习贯彻宪法")
    assert (week17.start, week17.theme) == (date(2026, 4, 20), "深入学习党章")
    assert (may.period, may.start, may.theme) == (PlanPeriod.MONTH, date(2026, 5, 1), "五月主题党日")
    assert {plan.status for plan in (week16, week17, may)} == {PlanStatus.DRAFT}
    assert {plan.branch_id for plan in (week16, week17, may)} == {None}
    reading, video, meeting, test = week16.items
    assert (reading.kind, reading.title, reading.points, reading.body_html) == (
        ItemKind.READ,
        "学习宪法第一章",
        2,
        "<p>通读第一章</p>",
    )
    assert reading.due_at == datetime(2026, 4, 17, 14, 0, tzinfo=UTC)  # 4月17日: that day, 22:00 in Shanghai
    assert (video.kind, video.link_url, video.due_at) == (
        ItemKind.WATCH,
        "http://intranet/v1",
        datetime(2026, 4, 19, 14, 0, tzinfo=UTC),
    )
    assert (meeting.meeting_kind, meeting.place) == (MeetingKind.ASSEMBLY, "三楼会议室")
    assert meeting.starts_at == datetime(2026, 4, 15, 7, 0, tzinfo=UTC)
    assert (test.kind, test.exam_id, test.points) == (ItemKind.TEST, exam, 5)
    assert test.due_at == datetime(2026, 4, 19, 12, 0, tzinfo=UTC)  # a date cell with its time
    (reflection,) = week17.items
    assert (reflection.kind, reflection.prompt) == (ItemKind.REFLECTION, "结合工作谈体会")
    assert reflection.due_at == datetime(2026, 4, 24, 14, 0, tzinfo=UTC)  # the serial's day
    (theme_day,) = may.items
    assert (theme_day.meeting_kind, theme_day.points) == (MeetingKind.THEME_DAY, 2)
    assert theme_day.starts_at == datetime(2026, 5, 20, 1, 0, tzinfo=UTC)  # a day alone: 09:00
    assert theme_day.due_at == datetime(2026, 5, 31, 14, 0, tzinfo=UTC)
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "plan.import")).all()
    assert [(event.target, event.detail) for event in events] == [
        (
            "2026 全单位: 年度计划.xlsx",
            {"year": 2026, "branch_id": None, "created": 3, "replaced": 0, "items": 6},
        )
    ]


def test_a_gbk_csv_with_full_width_digits_and_a_date_for_the_week_imports(app, org):
    text = "日期,主题,内容,形式\r\n２０２６年４月１５日,学习贯彻宪法,学习宪法,阅读\r\n,,学习党章,自学\r\n"
    result = checked(app, text.encode("gbk"), filename="计划.csv")
    assert result.problems == []
    (week,) = result.periods
    assert (week.start, [item.spec.title for item in week.items]) == (
        date(2026, 4, 13),
        ["学习宪法", "学习党章"],
    )


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"PK\x03\x04 not really a workbook", "年度计划.xlsx", "不是有效的 xlsx 文件"),
        (xlsx(GOOD)[:2000], "年度计划.xlsx", "不是有效的 xlsx 文件"),
        (b"%PDF-1.4", "年度计划.pdf", ".xlsx"),
        (xlsx([("序号", "学习内容"), (1, "学习宪法")]), "年度计划.xlsx", "主题"),
        (xlsx([("学习主题", "学习内容"), ("学习贯彻宪法", "学习宪法")]), "年度计划.xlsx", "周次"),
    ],
)
def test_a_file_that_cannot_be_read_says_why_and_writes_nothing(app, org, data, filename, message):
    found = problems(app, data, filename=filename)
    assert len(found) == 1 and found[0][0] is None, found
    client = signed_in(app, "admin1")
    page = upload(client, data, filename=filename).get_data(as_text=True)
    assert message in page and 'name="token"' not in page
    assert plans(app) == []


def test_each_problem_is_named_by_its_row_and_column(app, org, exam):
    table = one_week(
        row(title="学习宪法"),  # row 2: fine
        row(week="第54周"),  # 3
        row(week="第十七周", 时间="2026-04-13"),  # 4: that day is in week 16
        row(week="", 时间="2025-04-14", theme="去年"),  # 5
        row(week="", 时间="下周一"),  # 6
        row(theme="另一个主题", title="学习党章"),  # 7
        row(title="观看专题片", kind="观看"),  # 8: no address
        row(title="开会", kind="会议"),  # 9
        row(title="支部党员大会", kind="支部党员大会"),  # 10: no time
        row(title="国家安全知识测试", kind="测试", 测试名称="国家安全知识测试"),  # 11
        row(title="学习", kind="唱歌"),  # 12
        row(title="学习", 积分="很多"),  # 13
        row(title="学习", 完成时限="2026-04-10"),  # 14: before its week
        row(title="学习", 会议时间="", 完成时限="明天"),  # 15
        row(week="第20周", theme="", title="没有主题的一周"),  # 16
        row(week="", 月份="13月"),  # 17
        row(week="第16周", 月份="6月"),  # 18
    )
    found = problems(app, table)
    assert found == [
        (3, "周次", "2026 年共 53 周，没有第 54 周。"),
        (4, "时间", "2026-04-13 在第 16 周，不在第 17 周。"),
        (5, "时间", "2025-04-14 不在 2026 年。"),
        (6, "时间", "“下周一”不是日期。"),
        (
            7,
            "学习主题",
            "第16周（2026年4月13日至4月19日）在第 2 行的主题是“学习贯彻宪法”：每周（月）只有一个主题。",
        ),
        (8, "链接", "请上传视频或填写视频地址。"),
        (9, "形式", "请写明会议类型：支部党员大会、支部委员会、党小组会、党课或主题党日。"),
        (10, "会议时间", "请填写会议时间。"),
        (11, "测试名称", "没有名为“国家安全知识测试”的测试。"),
        (
            12,
            "形式",
            "“唱歌”不是学习任务的形式：请写阅读、观看、心得、测试，或会议名称（支部党员大会、支部委员会、党小组会、党课、主题党日）。",
        ),
        (13, "积分", "“很多”：分值须为 0 至 20 的整数。"),
        (14, "完成时限", "2026-04-10 早于第16周（2026年4月13日至4月19日）的开始。"),
        (15, "完成时限", "“明天”不是日期。"),
        (17, "月份", "“13月”不是月份。"),
        (18, "月份", "第16周（2026年4月13日至4月19日）不在 6 月。"),
        (16, "学习主题", "第20周（2026年5月11日至5月17日）没有主题：请在其中一行填写主题。"),
    ], found
    assert plans(app) == []


def test_a_row_before_any_week_and_a_title_of_another_year_are_named(app, org):
    table = [("2025年度党建工作计划表",), HEADER, row(week=""), row()]
    found = problems(app, table)
    assert found == [
        (None, "", "第 1 行表明此表是 2025 年的，而您正在导入 2026 年的计划：请选择 2025 年，或更正文件。"),
        (3, "月份", "请写明此行属于哪一周或哪个月（周次、月份或日期）。"),
    ]
    assert problems(app, table, year=2025)[0][0] == 3  # the title agrees; the first row still names no week


def test_the_preview_lists_problems_by_row_and_column_and_confirming_anyway_writes_nothing(app, org):
    client = signed_in(app, "admin1")
    table = one_week(row(), row(week="第17周", theme="深入学习党章", title="测试", kind="测试"))
    page = upload(client, xlsx(table)).get_data(as_text=True)
    assert "第 3 行，“学习内容”列：没有名为“测试”的测试。" in page
    assert "1 个问题" in page and 'name="token"' not in page  # no button to confirm
    # A confirmation sent anyway (a forged form, an old tab) shows the preview again, writing nothing.
    with app.app_context(), db.new_session() as session:
        token = session.scalars(select(StagedFile.token)).one()
    response = client.post("/plans/year/import/confirm", data={"token": token, "year": "2026", "level": ""})
    assert response.status_code == 200 and "没有名为“测试”的测试" in response.get_data(as_text=True)
    assert plans(app) == []


def test_drafts_are_replaced_but_scheduled_and_published_plans_never_touched(app, make_plan, org):
    draft_id, _items = make_plan(
        [read("旧任务", NEXT_SUNDAY)], start=date(2026, 4, 20), publish=False, theme="旧草稿"
    )
    with app.app_context(), db.new_session() as session:
        session.get(Plan, draft_id).notes = "草稿的备注"
        session.commit()
    client = signed_in(app, "admin1")
    table = one_week(row(), row(week="第17周", theme="深入学习党章", title="学习党章"))
    page = upload(client, xlsx(table)).get_data(as_text=True)
    assert "替换草稿“旧草稿”" in page and "新建草稿" in page
    assert "替换 1 份草稿" in page and ">建立 1 份、替换 1 份草稿</button>" in page  # as the button says
    client.post("/plans/year/import/confirm", data={"token": token_of(page), "year": "2026", "level": ""})
    week16, week17 = plans(app)
    again = upload(client, xlsx(table)).get_data(as_text=True)  # both drafts now
    assert "替换 2 份草稿" in again and ">替换 2 份草稿</button>" in again and "建立" not in again
    assert week17.id == draft_id and week17.theme == "深入学习党章" and week17.notes == "草稿的备注"
    assert [item.title for item in week17.items] == ["学习党章"]

    published_id, _items = make_plan(
        [read("已发布的任务", NEXT_SUNDAY + timedelta(weeks=1))], start=date(2026, 4, 27), theme="已发布"
    )
    before = plans(app)
    found = problems(
        app, one_week(row(week="第17周", theme="再次导入"), row(week="第18周", theme="不可改动"))
    )
    assert found == [
        (
            3,
            "周次",
            "第18周（2026年4月27日至5月3日）已有定时发布或已发布的计划“已发布”，导入不会改动它。请从文件中删去这些行。",
        )
    ]
    assert [(plan.id, plan.theme, plan.status) for plan in plans(app)] == [
        (plan.id, plan.theme, plan.status) for plan in before
    ]
    assert published_id in {plan.id for plan in before}


def test_a_draft_published_after_the_preview_stops_the_whole_import(app, make_plan, org):
    draft_id, _items = make_plan(
        [read("旧任务", NEXT_SUNDAY)], start=date(2026, 4, 20), publish=False, theme="旧草稿"
    )
    table = one_week(row(), row(week="第17周", theme="深入学习党章", title="学习党章"))
    with app.app_context(), db.new_session() as session:
        admin = session.scalars(select(User).where(User.username == "admin1")).one()
        result = year_import.plan_import(
            session, admin, "年度计划.xlsx", xlsx(table), year_=2026, branch_id=None
        )
        assert result.ok
        service.schedule(session, admin, draft_id, None, now=START)  # published meanwhile, in another tab
        session.commit()
        with pytest.raises(DomainError, match="草稿在预览后已被改动"):
            year_import.apply_import(session, admin, result, now=START)
        session.rollback()
    assert [plan.id for plan in plans(app)] == [draft_id]  # week 16's plan, made first, went too


def test_a_confirmation_replayed_imports_nothing_twice(app, org):
    client = signed_in(app, "admin1")
    page = upload(client, xlsx(one_week(row()))).get_data(as_text=True)
    form = {"token": token_of(page), "year": "2026", "level": ""}
    assert client.post("/plans/year/import/confirm", data=form).status_code == 302
    again = client.post("/plans/year/import/confirm", data=form)
    assert again.status_code == 302 and again.headers["Location"] == "/plans/year/import"
    assert len(plans(app)) == 1
    with app.app_context(), db.new_session() as session:
        assert session.scalar(select(func.count()).where(AuditEvent.action == "plan.import")) == 1


def test_a_secretary_imports_for_their_own_branch_only(app, org):
    first = str(org["first"].id)
    client = signed_in(app, "sec1")
    form = client.get("/plans/year/import").get_data(as_text=True)
    assert f'<option selected value="{first}">' in form or f'value="{first}" selected' in form
    assert upload(client, xlsx(one_week(row())), level="").status_code == 404  # the organisation's
    with app.app_context(), db.new_session() as session:
        assert session.scalars(select(StagedFile)).all() == []  # not even kept
    page = upload(client, xlsx(one_week(row())), level=first).get_data(as_text=True)
    token = token_of(page)
    forged = client.post("/plans/year/import/confirm", data={"token": token, "year": "2026", "level": ""})
    assert forged.status_code == 404
    client.post("/plans/year/import/confirm", data={"token": token, "year": "2026", "level": first})
    (plan,) = plans(app)
    assert plan.branch_id == org["first"].id and plan.status is PlanStatus.DRAFT


def test_the_template_names_its_columns_and_imports_as_it_is(app, org):
    client = signed_in(app, "admin1")
    response = client.get("/plans/year/import/template.xlsx?year=2027")
    assert "year-plan-template-2027.xlsx" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["年度计划", "填写说明"]
    header = [cell for cell in next(workbook["年度计划"].iter_rows(min_row=2, max_row=2, values_only=True))]
    assert header[:6] == ["周次", "月份", "日期", "主题", "内容", "形式"]
    result = checked(app, response.data, year=2027)
    assert result.problems == []
    assert [(period.period, period.start, len(period.items)) for period in result.periods] == [
        (PlanPeriod.WEEK, date(2027, 3, 8), 4),
        (PlanPeriod.MONTH, date(2027, 4, 1), 1),
    ]
    assert "2026" in client.get("/plans/year/import").get_data(as_text=True)  # this year by default
    assert problems(app, response.data, year=2026)[0][0] is None  # its title names 2027


def test_odd_years_and_levels_in_the_forms_are_refused_plainly(app, org):
    client = signed_in(app, "admin1")
    assert client.get("/plans/year/import?branch=²&year=²").status_code == 200  # the usual choices
    page = upload(client, xlsx(one_week(row()))).get_data(as_text=True)
    token = token_of(page)
    for year, level in (("²", ""), (str(2**63), ""), ("2026", "²"), ("2026", str(2**63))):
        form = {"token": token, "year": year, "level": level}
        assert client.post("/plans/year/import/confirm", data=form).status_code == 400, form
    assert (
        client.post(
            "/plans/year/import/confirm", data={"token": token, "year": "1066", "level": ""}
        ).status_code
        == 404
    )
    assert plans(app) == []


def test_digits_that_are_not_0_to_9_are_named_as_problems_not_a_crash(app, org):
    # "፩" (Ethiopic one) passes str.isdigit() but int() refuses it.
    table = one_week(
        row(title="学习宪法"),  # row 2: fine
        row(week="第፩周"),  # 3
        row(title="学习", 积分="፩"),  # 4
        row(week="", 月份="፩月"),  # 5
    )
    found = problems(app, table)
    assert [(number, column) for number, column, _message in found] == [(3, "周次"), (4, "积分"), (5, "月份")]
    assert plans(app) == []


def test_a_week_of_another_year_is_named_with_its_years(app, org):
    """Last year's export imported into this year: 第1周 is two different weeks, and a day at the
    turn of the year is in one year's calendar but the next year's weeks."""
    found = problems(
        app,
        one_week(
            row(week="第1周", 时间="2025-12-29至2026-01-04"),  # week 1 of 2026, imported as 2027's
            row(week="", 时间="2026-12-28", title="学习党章"),  # a day and a week of 2026 only
        ),
        year=2027,
    )
    assert found == [
        (2, "时间", "2025-12-29至2026-01-04 在 2026 年第 1 周，不在 2027 年第 1 周。"),
        (3, "时间", "2026-12-28 不在 2027 年。"),
    ]
    turn = problems(app, one_week(row(week="", 时间="2025-12-29")), year=2025)
    assert turn == [(2, "时间", "2025-12-29 在 2026 年第 1 周，不在 2025 年的各周中。")]


def test_an_item_due_weeks_past_its_week_is_refused_naming_the_column(app, org):
    found = problems(app, one_week(row(week="第50周", 完成时限="2027-03-01")))
    assert found == [
        (
            2,
            "完成时限",
            "2027-03-01 距第50周（2026年12月7日至12月13日）结束已超过 8 周：学习任务属于所在的周或月。",
        )
    ]
