"""The corridor screen in a real Chromium at 1920×1080: it rotates its panels whatever its polls do
(a new board at every poll, a stopped server, a poll that never answers), keeps the board up while
the server is stopped, picks up the new figures when it is back, reloads itself after an upgrade —
once the server serves its page — and turns to 此屏幕未登记 once revoked; the 积分公示 and 学习强国
panels fit the screen. Screenshots of each panel go to docs/screenshots/display-*.png for review."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

from studyhall import PROJECT_ROOT, clock, db
from studyhall.accounts.models import Role, User
from studyhall.banks import service as banks
from studyhall.banks.formats import parse_file
from studyhall.display import service
from studyhall.display.models import Privacy
from studyhall.exams import setup
from studyhall.exams.setup import ExamSpec
from studyhall.plans import service as plans
from studyhall.plans.models import ItemKind, PlanPeriod
from studyhall.plans.service import ItemSpec, PlanSpec
from studyhall.points import publications
from studyhall.points.models import Period
from studyhall.points.periods import Span
from tests.banks.helpers import SAMPLE, sheet_rows, xlsx
from tests.browser.conftest import csp_violations
from tests.conftest import START
from tests.display.conftest import give, registered
from tests.xxqg.test_import import csv_bytes
from tests.xxqg.test_import import save as import_export

DOCS_SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
WAIT_MS = 20_000  # generous: expectations return as soon as the page gets there


@pytest.fixture
def test_config(test_config):  # type: ignore[no-untyped-def]
    return {**test_config, "DISPLAY_POLL_SECONDS": 1}


class _OneRequestPerConnection(WSGIRequestHandler):
    # HTTP/1.0 closes each connection after its response, so stopping the server stops it: no
    # kept-alive connection goes on answering the screen's polls.
    protocol_version = "HTTP/1.0"


class StoppableServer:
    """The app served on one port that can be stopped and started again, as a server restart."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.port = 0

    def start(self) -> str:
        self.server = make_server(
            "127.0.0.1", self.port, self.app, threaded=True, request_handler=_OneRequestPerConnection
        )
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def server(app):  # type: ignore[no-untyped-def]
    running = StoppableServer(app)
    running.start()
    yield running
    running.stop()


@pytest.fixture
def screen(app, browser, server):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        base_url=f"http://127.0.0.1:{server.port}", locale="zh-CN", viewport={"width": 1920, "height": 1080}
    )
    violations = csp_violations(context)
    page = context.new_page()
    yield page
    context.close()
    assert not violations, "the screen broke its Content-Security-Policy"


def organisation(app, people) -> None:  # type: ignore[no-untyped-def]
    """机关党委 with three 党支部 and points this week, and a test for everyone opening in two days
    by the server's real clock (the screen counts down by the Date header)."""
    root = people.branch("机关党委")
    admin = people.user("admin1", Role.ADMIN, root)
    names = {
        "第一党支部": ("张伟", "刘芳", "陈静", "王建国"),
        "第二党支部": ("欧阳明华", "赵磊", "孙婷婷"),
        "第三党支部": ("周杰", "吴敏", "李晓燕", "郑强", "冯雪"),
    }
    amounts = iter((38, 35, 31, 12, 27, 22, 18, 15, 9, 6, 4, 2))
    for branch_number, (branch_name, members) in enumerate(names.items(), start=1):
        branch = people.branch(branch_name, root)
        for number, name in enumerate(members, start=1):
            username = f"{branch_number}000{number}"
            people.user(username, branch=branch, name=name)
            give(app, username, next(amounts), f"manual:{username}")
    opens = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2, hours=3)
    with app.app_context(), db.new_session() as session:
        plan = banks.plan_import(session, "国家安全", parse_file("bank.xlsx", xlsx(sheet_rows(*SAMPLE))))
        banks.apply_import(session, None, plan, now=clock.now())
        spec = ExamSpec(
            title="全民国家安全教育日知识测试",
            opens_at=opens,
            closes_at=opens + timedelta(days=5),
            time_limit_minutes=15,
            branch_ids=[root.id],
            items=[("T-001", 2), ("T-002", 4), ("T-003", 2), ("T-004", 2)],
        )
        author = session.get(User, admin.id)
        setup.publish(
            session, author, setup.save_exam(session, author, spec, now=clock.now()), now=clock.now()
        )
        session.commit()


def goes_round(screen, kinds=("people", "branches", "next_exam", "notice")) -> None:  # type: ignore[no-untyped-def]
    """The screen shows each panel in turn, from the one after the panel on screen now, round to it
    again: it is rotating, not stuck."""
    display = screen.locator("#display")
    now = display.get_attribute("data-shown")
    start = kinds.index(now) + 1
    for kind in kinds[start:] + kinds[:start]:
        expect(display).to_have_attribute("data-shown", kind, timeout=WAIT_MS)


def test_the_screen_rotates_survives_a_stopped_server_and_updates_when_it_is_back(
    app, people, frozen_now, server, screen, monkeypatch
):
    organisation(app, people)
    token = registered(
        app,
        panels=["people", "branches", "next_exam", "notice"],
        rotate_seconds=3,
        privacy=Privacy.FULL_NAME,
        notice="学习贯彻党的二十大精神，争当学习标兵。\n本周五下午 3 点在三楼会议室召开支部党员大会。",
    )

    screen.goto(f"/display/{token}")
    display = screen.locator("#display")
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for kind in ("people", "branches", "next_exam", "notice"):
        expect(display).to_have_attribute("data-shown", kind, timeout=WAIT_MS)
        expect(screen.locator("#display-indicator li[aria-current=true]")).to_have_count(1)
        if kind == "next_exam":
            expect(screen.locator(".exam-countdown")).to_contain_text("距开始还有")
            expect(screen.locator(".exam-title")).to_have_text("全民国家安全教育日知识测试")
        screen.screenshot(path=str(DOCS_SCREENSHOTS / f"display-{kind.replace('_', '-')}.png"))

    first_row = screen.locator('#display[data-shown="people"] tbody tr').first
    expect(first_row).to_contain_text("张伟", timeout=WAIT_MS)

    server.stop()
    stale = screen.locator("#display-stale")
    expect(stale).to_be_visible(timeout=WAIT_MS)
    expect(stale).to_contain_text("更新于")
    expect(screen.locator("#display-panel section")).to_have_count(1)  # the last good board stays up
    goes_round(screen)  # and keeps rotating after the failed polls
    expect(first_row).to_contain_text("张伟", timeout=WAIT_MS)
    screen.screenshot(path=str(DOCS_SCREENSHOTS / "display-offline.png"))

    give(app, "30003", 60, "manual:late")  # 李晓燕, while the server is down
    server.start()
    expect(stale).to_be_hidden(timeout=WAIT_MS)
    expect(first_row).to_contain_text("李晓燕", timeout=WAIT_MS)

    # The app is upgraded: the board carries the new version and the screen reloads itself.
    monkeypatch.setattr(service, "app_version", lambda: "0.2.0+upgraded")
    expect(display).to_have_attribute("data-version", "0.2.0+upgraded", timeout=WAIT_MS)

    # Revoked: at its next poll the screen turns to the plain page.
    with app.app_context(), db.new_session() as session:
        found = service.by_token(session, token)
        assert found is not None
        found.revoked_at = clock.now()
        session.commit()
    expect(screen.get_by_role("heading", name="此屏幕未登记")).to_be_visible(timeout=WAIT_MS)


def fits_on_screen(screen) -> None:  # type: ignore[no-untyped-def]
    """Every row of the panel on screen is inside its area: nothing cut off at the foot."""
    area = screen.locator("#display-panel").bounding_box()
    assert area is not None
    for row in screen.locator("#display-panel tr").all():
        box = row.bounding_box()
        assert box is not None and box["y"] + box["height"] <= area["y"] + area["height"] + 1, (
            row.inner_text()
        )


def test_the_notice_and_学习强国_panels_fit_a_1920x1080_screen(app, people, frozen_now, server, screen):
    """START's week published as a 积分公示 (three 党支部, twelve people with points) and two
    学习强国 exports, on a screen showing both in turn."""
    organisation(app, people)
    with app.app_context(), db.new_session() as session:
        admin = session.scalars(select(User).where(User.username == "admin1")).one()
        week = Span(Period.WEEK, date(2026, 4, 13))
        publications.publish(
            session, admin, week, None, publications.Highlights(), now=START + timedelta(days=5)
        )
        session.commit()
    with app.app_context(), db.new_session() as session:
        cadres = session.execute(
            select(User.username, User.display_name).where(User.role == Role.CADRE).order_by(User.username)
        ).all()
    totals = (16842, 15210, 14980, 13702, 15533, 12004, 11870, 14261, 13329, 9120, 10875, 12648)
    gains = (210, 197, 185, 96, 203, 88, 140, 176, 158, 35, 120, 149)
    for day, minus in (("2026-04-07", gains), ("2026-04-14", (0,) * len(gains))):
        lines = [
            f"{username},{name},{total - less}"
            for (username, name), total, less in zip(cadres, totals, minus, strict=True)
        ]
        import_export(app, f"学习强国积分_{day}.csv", csv_bytes(["工号,姓名,总积分", *lines]))
    token = registered(app, panels=["publication", "xuexi"], rotate_seconds=6, privacy=Privacy.FULL_NAME)

    screen.goto(f"/display/{token}")
    display = screen.locator("#display")
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    expect(display).to_have_attribute("data-shown", "publication", timeout=WAIT_MS)
    expect(screen.locator("#display-title")).to_have_text("最新积分公示")
    expect(screen.locator(".notice-title")).to_have_text("积分公示（2026年4月13日至4月19日）")
    expect(screen.locator(".column-branches tbody tr")).to_have_count(3)
    expect(screen.locator(".column-branches tbody tr").first).to_contain_text("第一党支部")
    expect(screen.locator(".column-people .column-title")).to_have_text("积分前列")
    expect(screen.locator(".column-people tbody tr")).to_have_count(8)
    expect(screen.locator(".column-people tbody tr").first).to_contain_text("张伟")
    fits_on_screen(screen)
    screen.screenshot(path=str(DOCS_SCREENSHOTS / "display-publication.png"))

    expect(display).to_have_attribute("data-shown", "xuexi", timeout=WAIT_MS)
    expect(screen.locator("#display-title")).to_have_text("学习强国积分排行")
    headings = screen.locator(".display-table th")
    expect(headings.nth(3)).to_have_text("学习强国总积分（4月14日导出）")
    expect(headings.nth(4)).to_have_text("较上次导出（4月7日）增加")
    expect(screen.locator(".display-table tbody tr")).to_have_count(10)
    expect(screen.locator(".display-table tbody tr").first).to_contain_text("张伟")
    expect(screen.locator(".display-table tbody tr").first).to_contain_text("+210")
    fits_on_screen(screen)
    screen.screenshot(path=str(DOCS_SCREENSHOTS / "display-xuexi.png"))


def small_screen(app, people) -> str:  # type: ignore[no-untyped-def]
    """Two 党支部 with points this week on a screen turning every 3 seconds (the shortest allowed)
    through people, branches and a notice; its token."""
    root = people.branch("机关党委")
    for number, (branch_name, name) in enumerate((("第一党支部", "张伟"), ("第二党支部", "刘芳")), start=1):
        people.user(f"1000{number}", branch=people.branch(branch_name, root), name=name)
        give(app, f"1000{number}", 10 * number, f"manual:{number}")
    return registered(app, panels=["people", "branches", "notice"], rotate_seconds=3)


PANELS = ("people", "branches", "notice")


def test_this_weeks_study_plan_panel_fits_a_1920x1080_screen(app, people, frozen_now, server, screen):
    organisation(app, people)
    titles = (
        "《中华人民共和国宪法》全文学习",
        "专题片《宪法的力量》",
        "支部党员大会：学习宪法修正案",
        "学习心得体会",
        "宪法知识测试",
    )
    kinds = (ItemKind.READ, ItemKind.WATCH, ItemKind.MEETING, ItemKind.REFLECTION, ItemKind.READ)
    with app.app_context(), db.new_session() as session:
        admin = session.scalars(select(User).where(User.username == "admin1")).one()
        items = [
            ItemSpec(
                kind,
                title,
                START + timedelta(days=2 + number),
                body_html="学习内容",
                link_url="http://video.intranet/a.mp4",
                meeting_kind="assembly",
                starts_at=START + timedelta(days=2),
                prompt="谈谈体会",
            )
            for number, (kind, title) in enumerate(zip(kinds, titles, strict=True))
        ]
        plan = plans.save_plan(
            session,
            admin,
            PlanSpec(PlanPeriod.WEEK, START.date(), "学习宪法，弘扬宪法精神", items=items),
            now=START,
        )
        plans.schedule(session, admin, plan.id, None, now=START)
        session.commit()
    token = registered(app, panels=["plan", "notice"], rotate_seconds=6, notice="学习贯彻宪法。")

    screen.goto(f"/display/{token}")
    expect(screen.locator("#display")).to_have_attribute("data-shown", "plan", timeout=WAIT_MS)
    expect(screen.locator("#display-title")).to_have_text("本周学习计划")
    expect(screen.locator(".plan-theme")).to_have_text("学习宪法，弘扬宪法精神")
    expect(screen.locator(".plan-item")).to_have_count(5)
    expect(screen.locator(".plan-item").first).to_contain_text("阅读")
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    screen.screenshot(path=str(DOCS_SCREENSHOTS / "display-plan.png"))


def test_the_panels_keep_turning_when_every_poll_brings_a_new_board(
    app, people, frozen_now, server, screen, monkeypatch
):
    """A busy office changes the board between most polls; each new board is drawn on the panel
    on screen and must not start that panel's time again, or the screen never turns."""
    token = small_screen(app, people)
    polls = itertools.count()
    built = service.board
    monkeypatch.setattr(service, "known_etag", lambda _key: None)
    monkeypatch.setattr(
        service,
        "board",
        lambda session, display, *, now: {**built(session, display, now=now), "poll": next(polls)},
    )
    boards = []
    screen.on(
        "response",
        lambda response: (
            boards.append(response) if response.status == 200 and "data.json" in response.url else None
        ),
    )
    screen.goto(f"/display/{token}")
    expect(screen.locator("#display")).to_have_attribute("data-shown", "people", timeout=WAIT_MS)
    goes_round(screen, PANELS)
    goes_round(screen, PANELS)
    assert len(boards) > 3  # new boards came all the while (a poll a second, a panel every three)


def test_a_poll_that_never_answers_is_given_up_and_the_screen_goes_on(
    app, people, frozen_now, server, screen
):
    """A request the network swallows (no answer, no error) must not stop the polling for good."""
    token = small_screen(app, people)
    screen.goto(f"/display/{token}")
    display = screen.locator("#display")
    expect(display).to_have_attribute("data-shown", "people", timeout=WAIT_MS)
    swallowed = []

    def swallow(route) -> None:  # type: ignore[no-untyped-def]
        swallowed.append(route)  # and never answered

    screen.route("**/data.json", swallow)
    stale = screen.locator("#display-stale")
    expect(stale).to_be_visible(timeout=WAIT_MS)  # the poll was given up as failed
    assert swallowed
    goes_round(screen, PANELS)
    screen.unroute("**/data.json")
    give(app, "10001", 50, "manual:late")  # 张伟 overtakes 刘芳
    expect(stale).to_be_hidden(timeout=WAIT_MS)
    expect(screen.locator('#display[data-shown="people"] tbody tr').first).to_contain_text(
        "张伟", timeout=WAIT_MS
    )


def test_after_an_upgrade_the_screen_reloads_only_once_its_page_is_served(
    app, people, frozen_now, server, screen, monkeypatch
):
    """A server still starting (a proxy answering 502) must not leave the TV on an error page: the
    screen keeps its board and reloads when the page is there."""
    token = small_screen(app, people)
    screen.goto(f"/display/{token}")
    display = screen.locator("#display")
    version = display.get_attribute("data-version")
    expect(display).to_have_attribute("data-shown", "people", timeout=WAIT_MS)
    screen.route(f"**/display/{token}", lambda route: route.fulfill(status=502, body="Bad Gateway"))
    monkeypatch.setattr(service, "app_version", lambda: "0.2.0+upgraded")
    stale = screen.locator("#display-stale")
    expect(stale).to_be_visible(timeout=WAIT_MS)  # the page was not served: no reload, a failed poll
    expect(display).to_have_attribute("data-version", version)
    goes_round(screen, PANELS)
    screen.unroute(f"**/display/{token}")
    expect(display).to_have_attribute("data-version", "0.2.0+upgraded", timeout=WAIT_MS)
    expect(display).to_have_attribute("data-shown", "people", timeout=WAIT_MS)
