"""Importing a 学习强国 export: reading it, matching rows to people, saving it once, and the figures
the boards read from it."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from studyhall import db
from studyhall.accounts import service as accounts
from studyhall.accounts.models import AuditEvent, User
from studyhall.errors import DomainError
from studyhall.xxqg import imports, service
from studyhall.xxqg.imports import Outcome
from studyhall.xxqg.models import Snapshot, SnapshotRow
from tests.conftest import START

TODAY = date(2026, 4, 15)


def csv_bytes(lines: list[str], encoding: str = "gbk") -> bytes:
    return "\r\n".join(lines).encode(encoding)


def xlsx(rows: list[tuple[object, ...]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def user_id(session, username: str) -> int:  # type: ignore[no-untyped-def]
    return session.scalars(select(User.id).where(User.username == username)).one()


def plan(session, filename: str, data: bytes, **options):  # type: ignore[no-untyped-def]
    return imports.plan_import(session, filename, data, today=TODAY, **options)


def save(app, filename: str, data: bytes, **options):  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        checked = plan(session, filename, data, **options)
        actor = session.scalars(select(User).where(User.username == "admin1")).one()
        saved = imports.apply_import(session, actor, checked, now=START)
        session.commit()
        return saved.created


GBK_EXPORT = [
    "姓名,所在组织,总积分,今日积分,本周积分",
    "王建国,机关党委/第一党支部,16842,42,210",
    "李晓燕,机关党委/第一党支部/第一党小组,15210,38,197",
    "赵敏,机关党委/第三党支部,9120,12,88",
]


def test_a_gbk_csv_is_matched_by_name_within_the_branch_and_saved_dated_by_its_file_name(app, org, session):
    data = csv_bytes(GBK_EXPORT)
    checked = plan(session, "学习强国积分_2026-04-14.csv", data)
    assert checked.problems == [] and checked.ok
    assert checked.exported_on == date(2026, 4, 14)
    assert checked.periods == ["今日积分", "本周积分"]
    # 李晓燕 is also the name of someone in the second 党支部: the organisation decides.
    assert [(row.row, row.outcome, row.person and row.person.username) for row in checked.rows] == [
        (2, Outcome.MATCHED, "10001"),
        (3, Outcome.MATCHED, "10002"),
        (4, Outcome.UNMATCHED, None),
    ]
    assert save(app, "学习强国积分_2026-04-14.csv", data)
    snapshot = session.scalars(select(Snapshot)).one()
    assert (snapshot.exported_on, snapshot.unmatched, snapshot.periods) == (
        date(2026, 4, 14),
        1,
        ["今日积分", "本周积分"],
    )
    rows = {row.user_id: (row.total, row.periods) for row in session.scalars(select(SnapshotRow))}
    assert rows == {
        user_id(session, "10001"): (16842, {"今日积分": 42, "本周积分": 210}),
        user_id(session, "10002"): (15210, {"今日积分": 38, "本周积分": 197}),
    }
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "xxqg.import")).one()
    assert event.detail["matched"] == 2 and event.detail["unmatched"] == 1


def test_an_xlsx_is_read_with_headers_by_synonym_matched_by_工号_and_dated_by_its_date_column(
    app, org, session
):
    data = xlsx(
        [
            ("学习强国 成员积分",),
            ("序号", "用户名", "成员姓名", "组织", "学习积分", "本月积分", "统计日期"),
            (1, "20002", "张三", "第一党支部", 5000, 300, "2026-04-10"),  # the 工号 decides whose
            (2, "99999", "无此人", "第二党支部", 100, 1, "2026-04-10"),
        ]
    )
    checked = plan(session, "export.xlsx", data)
    assert checked.problems == []
    assert (checked.exported_on, checked.periods) == (date(2026, 4, 10), ["本月积分"])
    assert [(row.outcome, row.total, row.person and row.person.username) for row in checked.rows] == [
        (Outcome.MATCHED, 5000, "20002"),
        (Outcome.UNMATCHED, 100, None),
    ]


def test_an_ambiguous_row_waits_for_the_administrators_choice(app, org, session):
    data = csv_bytes(["姓名,党支部,总积分", "张三,第二党支部,700", "王建国,第二党支部,500"], "utf-8")
    checked = plan(session, "x.csv", data, exported_on=date(2026, 4, 14))
    # Two 张三 in the second 党支部 (one in its 党小组); 王建国 is not in it, so he is only offered.
    assert [(row.outcome, [c.username for c in row.candidates]) for row in checked.rows] == [
        (Outcome.CHOOSE, ["20001", "20002"]),
        (Outcome.CHOOSE, ["10001"]),
    ]
    assert not checked.ok
    with pytest.raises(DomainError):
        imports.apply_import(session, session.get(User, user_id(session, "admin1")), checked, now=START)

    chosen = {2: user_id(session, "20002"), 3: None}
    assert save(app, "x.csv", data, exported_on=date(2026, 4, 14), choices=chosen)
    assert [(row.user_id, row.total) for row in session.scalars(select(SnapshotRow))] == [
        (user_id(session, "20002"), 700)
    ]
    assert session.scalars(select(Snapshot)).one().unmatched == 1


def test_the_same_person_on_two_rows_is_a_problem_named_by_row(app, org, session):
    data = csv_bytes(["姓名,所在组织,总积分", "王建国,第一党支部,1", "王建国,第一党支部,2"], "utf-8")
    checked = plan(session, "x-20260414.csv", data)
    assert [(p.row, p.column) for p in checked.problems] == [(3, "姓名")]
    assert "row 2" in checked.problems[0].message


def test_importing_the_same_file_twice_changes_nothing(app, org, session):
    data = csv_bytes(GBK_EXPORT)
    assert save(app, "学习强国积分_2026-04-14.csv", data)
    again = plan(session, "renamed copy.csv", data, exported_on=date(2026, 4, 15))
    assert again.already is not None
    assert not save(app, "renamed copy.csv", data, exported_on=date(2026, 4, 15))
    assert session.scalar(select(func.count()).select_from(Snapshot)) == 1
    assert session.scalar(select(func.count()).select_from(SnapshotRow)) == 2
    assert session.scalar(select(func.count()).where(AuditEvent.action == "xxqg.import")) == 1
    # The same export saved again: as UTF-8 with a BOM, a blank line and its rows in another order.
    header, *rows = GBK_EXPORT
    resaved = ("\ufeff" + "\n".join([header, *reversed(rows), ""])).encode("utf-8")
    assert plan(session, "学习强国积分_2026-04-14 (1).csv", resaved).already is not None


def test_a_file_confirmed_twice_at_once_is_saved_once(app, org, session):
    data = csv_bytes(GBK_EXPORT)
    with app.app_context(), db.new_session() as other:
        racing = plan(other, "学习强国积分_2026-04-14.csv", data)  # checked before the first one saved
        assert save(app, "学习强国积分_2026-04-14.csv", data)
        actor = other.get(User, user_id(other, "admin1"))
        assert not imports.apply_import(other, actor, racing, now=START).created
    assert session.scalar(select(func.count()).select_from(SnapshotRow)) == 2


def test_a_broken_file_names_each_problem_by_row_and_column_and_writes_nothing(app, org, session):
    data = csv_bytes(["姓名,所在组织,总积分,本周积分", "王建国,第一党支部,十二,1", ",第一党支部,5,几"])
    checked = plan(session, "2026-04-14.csv", data)
    assert [(p.row, p.column) for p in checked.problems] == [(2, "总积分"), (3, "姓名"), (3, "本周积分")]
    with pytest.raises(DomainError):
        save(app, "2026-04-14.csv", data)
    assert session.scalar(select(func.count()).select_from(Snapshot)) == 0
    # Almost numbers, and a number no score reaches (it would not fit the database): named, not a crash.
    odd = csv_bytes(
        [
            "姓名,所在组织,总积分,本周积分",
            "王建国,第一党支部,--5,1",
            "李晓燕,第一党支部,99999999999999999999,-+2",
        ]
    )
    odd_plan = plan(session, "2026-04-14.csv", odd)
    assert [(p.row, p.column) for p in odd_plan.problems] == [(2, "总积分"), (3, "总积分"), (3, "本周积分")]
    no_header = plan(session, "2026-04-14.csv", csv_bytes(["名字不对,积分", "王建国,1"]))
    assert no_header.problems[0].row is None and "总积分" in no_header.problems[0].message


def test_a_file_without_a_date_asks_for_one_and_a_future_date_is_refused(app, org, session):
    data = csv_bytes(GBK_EXPORT)
    undated = plan(session, "export.csv", data)
    assert undated.date_asked and undated.exported_on is None and not undated.ok
    given = plan(session, "export.csv", data, exported_on=date(2026, 4, 12))
    assert given.ok and given.exported_on == date(2026, 4, 12)
    future = plan(session, "export 2026-05-01.csv", data)
    assert [p.column for p in future.problems] == ["日期"]


def test_figures_give_the_latest_total_and_the_gain_since_the_previous_snapshot(app, org, session):
    save(app, "a-2026-04-07.csv", csv_bytes(["姓名,所在组织,总积分", "王建国,第一党支部,100"]))
    save(
        app,
        "a-2026-04-14.csv",
        csv_bytes(["姓名,所在组织,总积分", "王建国,第一党支部,160", "李晓燕,第一党支部/第一党小组,90"]),
    )
    wang, li, zhang = (user_id(session, name) for name in ("10001", "10002", "20001"))
    figures = service.figures(session, [wang, li, zhang])
    assert figures == {wang: (160, 60), li: (90, None)}
    assert service.figures(session, [wang], on_or_before=date(2026, 4, 10)) == {wang: (100, None)}
    latest = service.latest_snapshot(session)
    assert latest is not None and latest.exported_on == date(2026, 4, 14)
    assert service.latest_snapshot(session, on_or_before=date(2026, 4, 6)) is None


def test_the_board_ranks_by_total_and_filters_by_branch(app, org, session):
    save(
        app,
        "2026-04-14.csv",
        csv_bytes(
            [
                "工号,姓名,总积分",
                "20001,张三,300",
                "10002,李晓燕,500",
                "10001,王建国,300",  # as much as 张三, after him in the export
                "admin1,管理员,900",  # of the 机关党委 itself, above the 党支部: ranked nowhere
            ]
        ),
    )
    snapshot = service.latest_snapshot(session)
    assert snapshot is not None
    assert [(row.rank, row.username, row.total) for row in service.board(session, snapshot)] == [
        (1, "10002", 500),
        (2, "20001", 300),
        (3, "10001", 300),
    ]
    assert service.board_count(session, snapshot) == 3
    first = accounts.subtree_ids(session, org["first"].id)
    assert [row.username for row in service.board(session, snapshot, branch_ids=first)] == ["10002", "10001"]
    assert service.board_count(session, snapshot, branch_ids=first) == 2
    with app.app_context(), db.new_session() as writer:
        writer.get(User, user_id(writer, "10002")).active = False
        writer.commit()
    session.expire_all()
    assert [row.username for row in service.board(session, snapshot)] == ["20001", "10001"]


def test_an_export_that_matches_nobody_cannot_be_saved(app, org, session):
    """Saved, it would be the latest export and empty the 学习强国 board."""
    checked = plan(
        session, "2026-04-14.csv", csv_bytes(["姓名,所在组织,总积分", "赵敏,机关党委/第三党支部,9120"])
    )
    assert [problem.message for problem in checked.problems] == [
        "No row matches anyone here: nothing would be saved. Is it this organisation's export?"
    ]
    assert not checked.ok


def test_an_export_of_far_fewer_people_than_the_latest_is_noted_before_it_replaces_it(app, org, session):
    save(
        app,
        "2026-04-07.csv",
        csv_bytes(["工号,姓名,总积分", "10001,王建国,100", "10002,李晓燕,90", "20001,张三,80"]),
    )
    one_branch = plan(session, "2026-04-14.csv", csv_bytes(["工号,姓名,总积分", "10001,王建国,160"]))
    assert one_branch.shrink is not None and one_branch.ok
    assert (one_branch.shrink.latest.exported_on, one_branch.shrink.before, one_branch.shrink.now) == (
        date(2026, 4, 7),
        3,
        1,
    )
    whole = plan(
        session,
        "2026-04-14.csv",
        csv_bytes(["工号,姓名,总积分", "10001,王建国,160", "10002,李晓燕,95", "20001,张三,81"]),
    )
    assert whole.shrink is None
    older = plan(session, "2026-04-01.csv", csv_bytes(["工号,姓名,总积分", "10001,王建国,60"]))
    assert older.shrink is None  # it does not replace the latest


def test_deleting_the_latest_snapshot_makes_the_one_before_the_latest_again(app, org, session):
    save(app, "2026-04-07.csv", csv_bytes(["工号,姓名,总积分", "10001,王建国,100", "20001,张三,80"]))
    save(app, "2026-04-14.csv", csv_bytes(["工号,姓名,总积分", "10001,王建国,160"]))
    latest = service.latest_snapshot(session)
    assert latest is not None and latest.exported_on == date(2026, 4, 14)
    admin = session.scalars(select(User).where(User.username == "admin1")).one()
    assert service.delete_snapshot(session, admin, latest.id, now=START) == date(2026, 4, 14)
    session.commit()
    again = service.latest_snapshot(session)
    assert again is not None and again.exported_on == date(2026, 4, 7)
    assert service.figures(session, [user_id(session, "20001")]) == {user_id(session, "20001"): (80, None)}
    assert session.scalar(select(func.count()).select_from(SnapshotRow)) == 2
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "xxqg.delete")).one()
    assert event.detail == {"exported_on": "2026-04-14", "people": 1}
    with pytest.raises(DomainError, match="deleted already"):
        service.delete_snapshot(session, admin, latest.id, now=START)
    # Its file can be imported again.
    assert save(app, "2026-04-14.csv", csv_bytes(["工号,姓名,总积分", "10001,王建国,160"]))


def test_a_row_of_an_organisation_not_plainly_ours_is_left_out_with_why_unless_the_administrator_says_whose(
    app, org, session
):
    """An export may cover other units, whose branches are named like ours: their figures are never
    given to our people unasked, by name, 工号 or a name ending like ours."""
    data = csv_bytes(
        [
            "工号,姓名,所在组织,总积分",
            ",王建国,外单位第一党支部,100",
            ",张三,某区人民法院机关党支部,200",
            ",李晓燕,中共某某市人民检察院第一党支部委员会,300",
            "10001,王建国,某区人民法院机关党支部,400",
            ",张三,机关党委/第二党支部,500",
        ],
        "utf-8",
    )
    checked = plan(session, "2026-04-14.csv", data)
    assert [(row.outcome, row.person and row.person.username) for row in checked.rows] == [
        (Outcome.UNMATCHED, None),
        (Outcome.UNMATCHED, None),
        (Outcome.UNMATCHED, None),
        (Outcome.UNMATCHED, None),
        (Outcome.CHOOSE, None),  # our 第二党支部 has two 张三
    ]
    assert {row.why for row in checked.rows[:4]} == {
        "Its organisation is not plainly ours (see “Organisations that are not plainly ours” above)."
    }
    asked = {
        found.text: (found.rows, [path for _id, path in found.like], found.prefix)
        for found in checked.organisations
    }
    assert asked == {
        "外单位第一党支部": (1, ["机关党委 / 第一党支部"], "外单位"),
        "某区人民法院机关党支部": (2, [], ""),
        "中共某某市人民检察院第一党支部委员会": (1, ["机关党委 / 第一党支部"], "某某市人民检察院"),
    }

    # Our unit's name, once known (the 积分公示's issuer, or the top branch's name), is ours.
    issued = plan(session, "2026-04-14.csv", data, issuer="中共某某市人民检察院机关委员会")
    assert issued.rows[2].outcome is Outcome.MATCHED and issued.rows[2].person.username == "10002"
    assert [found.text for found in issued.organisations] == ["外单位第一党支部", "某区人民法院机关党支部"]

    # The administrator says whose the others are: 外单位第一党支部 is ours after all; the court's
    # rows are matched anywhere, the 工号 deciding.
    keys = {found.text: found.key for found in checked.organisations}
    answered = plan(
        session,
        "2026-04-14.csv",
        data,
        organisations={keys["外单位第一党支部"]: str(org["first"].id), keys["某区人民法院机关党支部"]: "all"},
    )
    assert [(row.outcome, row.person and row.person.username) for row in answered.rows[:4]] == [
        (Outcome.MATCHED, "10001"),
        (Outcome.CHOOSE, None),  # two 张三 here
        (Outcome.UNMATCHED, None),
        (Outcome.INVALID, "10001"),  # 王建国 (10001) is row 2's already
    ]


@pytest.mark.parametrize(
    "organisation",
    [
        "第一党支部",
        "第一支部",
        "机关党委/第一党支部/第一党小组",
        "机关党委 > 第一党支部",
        "机关党委第一党支部",
        "中共机关党委第一党支部委员会",
        "中共某某市人民检察院机关第一党支部委员会",
    ],
)
def test_an_organisation_named_as_ours_is_ours(app, org, session, people, organisation):
    people.branch("某某市人民检察院机关党委")  # a second top branch bearing the unit's name
    data = csv_bytes(["姓名,所在组织,总积分", f"李晓燕,{organisation},300"], "utf-8")
    checked = plan(session, "2026-04-14.csv", data)
    assert checked.organisations == []
    assert [(row.outcome, row.person and row.person.username) for row in checked.rows] == [
        (Outcome.MATCHED, "10002")
    ]


def test_a_total_lower_than_in_the_previous_export_is_noted_per_row_without_refusing(app, org, session):
    """A 学习强国 total never goes down: the person is probably the wrong one."""
    save(app, "2026-04-07.csv", csv_bytes(["工号,姓名,总积分", "10001,王建国,500", "10002,李晓燕,400"]))
    save(app, "2026-04-14.csv", csv_bytes(["工号,姓名,总积分", "10001,王建国,100", "10002,李晓燕,400"]))
    later = plan(
        session, "2026-04-15.csv", csv_bytes(["工号,姓名,总积分", "10001,王建国,150", "10002,李晓燕,390"])
    )
    assert later.ok and later.previous is not None and later.previous.exported_on == date(2026, 4, 14)
    assert [(row.name, row.fell_from, row.total) for row in later.fell()] == [("李晓燕", 400, 390)]
    # An export slipped in between two compares with the one before it.
    between = plan(
        session, "2026-04-10.csv", csv_bytes(["工号,姓名,总积分", "10001,王建国,450", "10002,李晓燕,400"])
    )
    assert [(row.name, row.fell_from) for row in between.fell()] == [("王建国", 500)]


def test_an_export_of_a_day_already_saved_is_refused_naming_the_one_saved(app, org, session):
    """Gains are counted between exports: two of one day would count the files' differences."""
    save(app, "first 2026-04-14.csv", csv_bytes(["工号,姓名,总积分", "10001,王建国,100"]))
    second = plan(session, "second 2026-04-14.csv", csv_bytes(["工号,姓名,总积分", "10001,王建国,130"]))
    assert second.same_day is not None and second.same_day.filename == "first 2026-04-14.csv"
    assert not second.ok
    with pytest.raises(DomainError):
        save(app, "second 2026-04-14.csv", csv_bytes(["工号,姓名,总积分", "10001,王建国,130"]))
    undated = csv_bytes(["工号,姓名,总积分", "10001,王建国,130"])
    assert plan(session, "export.csv", undated, exported_on=date(2026, 4, 14)).same_day is not None
    assert plan(session, "export.csv", undated, exported_on=date(2026, 4, 15)).ok


@pytest.mark.parametrize(
    ("filename", "given"), [("export.csv", date(1, 1, 1)), ("导出 2018-12-31.csv", None)]
)
def test_a_day_before_学习强国_opened_is_refused(app, org, session, filename, given):
    checked = plan(session, filename, csv_bytes(GBK_EXPORT), exported_on=given)
    assert [(problem.column, problem.message) for problem in checked.problems] == [
        (
            "日期",
            f"The export is dated {checked.exported_on.isoformat()}, before 学习强国 opened (2019-01-01).",
        )
    ]
    assert not checked.ok


def test_a_blank_total_says_the_total_is_missing_under_the_files_own_header(app, org, session):
    checked = plan(
        session,
        "2026-04-14.csv",
        csv_bytes(["姓名,所在组织,学习积分", "王建国,第一党支部,", "李晓燕,第一党支部,几"]),
    )
    assert [(problem.row, problem.column, problem.message) for problem in checked.problems] == [
        (2, "学习积分", "The total is missing: the cell is empty."),
        (3, "学习积分", "“几” is not a number of points."),
    ]
    assert checked.label("总积分") == "学习积分"
