"""Practice on a phone in a real Chromium: a day's questions with feedback after each, one answered
without a connection (kept through a reload, sent when it is back, its feedback shown then), and a review session
from the wrong-answer book the next day."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import func, select

from studyhall import PROJECT_ROOT, db
from studyhall.practice import service
from studyhall.practice.models import PracticeAnswer, PracticeRound
from tests.browser.conftest import csp_violations, phone_context
from tests.browser.test_accounts_browser import sign_in
from tests.conftest import START

SEND_TIMEOUT = 15_000  # ms: an answer kept offline is sent on `online`, or after the page's retry wait
DOCS_SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"


def answers_stored(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context(), db.new_session() as session:
        return session.scalar(select(func.count()).select_from(PracticeAnswer)) or 0


def test_a_days_practice_on_a_phone_with_one_answer_sent_after_the_connection_returns(
    browser, live_server, app, bank
):
    context = phone_context(browser, live_server, 390, 844)
    violations = csp_violations(context)
    page = context.new_page()
    sign_in(page, "10001")
    page.goto("/")
    page.get_by_role("link", name="去答题").click()
    page.get_by_role("button", name="开始今日答题").click()
    expect(page.locator("#q-0")).to_be_visible()
    expect(page.locator("#q-1")).to_be_hidden()

    page.locator("#q-0 input[value=A]").check()  # the bank's key is A throughout
    page.locator("#q-0").get_by_role("button", name="确定").click()
    expect(page.locator("#q-0 .verdict")).to_contain_text("回答正确")
    expect(page.locator("#q-0 .source")).to_contain_text("测试法第")
    expect(page.locator("#q-0 .verdict")).to_contain_text("+1 分")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS_SCREENSHOTS / "practice-phone.png"), full_page=True)

    page.get_by_role("button", name="下一题").click()
    expect(page.locator("#q-1")).to_be_visible()
    expect(page.locator("#practice")).to_have_attribute("data-offline", "ready")  # the page is on the device
    context.set_offline(True)  # the signal drops; the cadre answers on
    page.locator("#q-1 input[value=B]").check()
    page.locator("#q-1").get_by_role("button", name="确定").click()
    expect(page.locator("#q-1 .practice-status")).to_contain_text("答案已保存在本设备上")
    expect(page.locator("#q-2")).to_be_visible()  # the next question meanwhile
    assert answers_stored(app) == 1
    reloaded = page.reload()  # no server: the device's copy of the page opens, the answer still waiting
    assert reloaded is not None and reloaded.from_service_worker
    expect(page.locator("#q-2")).to_be_visible()
    expect(page.locator("#q-1")).to_be_hidden()

    context.set_offline(False)  # `online`: the kept answer is sent and its feedback shown
    expect(page.locator("#q-1 .verdict")).to_contain_text("✗ 回答错误", timeout=SEND_TIMEOUT)
    expect(page.locator("#practice-queue")).to_contain_text("第 2 题已在联网后送达：✗ 回答错误")
    assert answers_stored(app) == 2
    expect(page.locator("#q-2")).to_be_visible()
    for position in (2, 3, 4):
        card = page.locator(f"#q-{position}")
        card.locator("input[value=A]").check()
        card.get_by_role("button", name="确定").click()
        expect(card.locator(".verdict")).to_contain_text("回答正确")
        page.locator("#next-question").click()
    expect(page.locator("#round-end")).to_contain_text("答对 4 / 5 题")
    assert answers_stored(app) == 5
    context.close()
    assert not violations, "the page broke its Content-Security-Policy"


def test_a_challenge_answer_sent_after_the_connection_returns_leads_on_to_the_next(
    browser, live_server, app, bank
):
    context = phone_context(browser, live_server, 360, 740)
    page = context.new_page()
    sign_in(page, "10001")
    page.goto("/practice")
    page.get_by_role("button", name="开始挑战").click()
    page.locator("#q-0 input[value=A]").check()
    page.locator("#q-0").get_by_role("button", name="确定").click()
    expect(page.locator("#q-0 .verdict")).to_contain_text("回答正确")
    page.locator("#next-question").click()
    expect(page.locator("#q-1")).to_be_visible()
    context.set_offline(True)
    page.locator("#q-1 input[value=A]").check()
    page.locator("#q-1").get_by_role("button", name="确定").click()
    expect(page.locator("#q-1 .practice-status")).to_contain_text("答案已保存在本设备上")
    context.set_offline(False)
    expect(page.locator("#q-1 .verdict")).to_contain_text("回答正确", timeout=SEND_TIMEOUT)
    context.set_offline(True)  # and again: the next question needs the server, the page says so
    page.locator("#next-question").click()
    expect(page.locator("#practice-queue")).to_contain_text("下一题需要由服务器给出")
    context.set_offline(False)
    expect(page.locator("#practice-queue")).to_be_hidden()  # that no longer holds
    page.locator("#next-question").click()  # on to the server's next question, as online
    expect(page.locator("#q-2")).to_be_visible()
    context.close()


def test_signing_out_forgets_the_pages_copies_but_keeps_what_is_unsent(browser, live_server, app, bank):
    context = phone_context(browser, live_server, 390, 844)
    page = context.new_page()
    sign_in(page, "10001")
    page.goto("/practice")
    page.get_by_role("button", name="开始今日答题").click()
    page.locator("#q-0 input[value=A]").check()
    page.locator("#q-0").get_by_role("button", name="确定").click()
    expect(page.locator("#q-0 .verdict")).to_contain_text("回答正确")
    expect(page.locator("#practice")).to_have_attribute("data-offline", "ready")
    assert "practice-pages" in page.evaluate("caches.keys()")
    assert any(key.endswith(":done") for key in page.evaluate("Object.keys(localStorage)"))
    # A reflection draft typed without a connection, not yet sent.
    unsent = '{"seq": 1, "pending": {"seq": 1, "text": "未发送的心得"}, "kept": null, "sent": []}'
    page.evaluate("([key, value]) => localStorage.setItem(key, value)", ["studyhall.reflection.1.1", unsent])
    with page.expect_navigation(url="**/login"):
        page.get_by_role("button", name="退出").click()
    assert page.evaluate("caches.keys()") in ([], ["static"])
    assert page.evaluate("Object.keys(localStorage)") == ["studyhall.reflection.1.1"]
    context.close()


def test_a_review_session_from_the_book_the_next_day(browser, live_server, app, bank, frozen_now, in_app):
    def wrong_yesterday(session, user):  # type: ignore[no-untyped-def]
        found = service.daily(session, user, now=START)
        service.answer(session, user, found.id, 0, ["C"], now=START)
        return session.get_one(PracticeRound, found.id).question_ids[0]

    in_app("10001", wrong_yesterday)
    frozen_now(START + timedelta(days=1))
    context = phone_context(browser, live_server, 360, 740)
    violations = csp_violations(context)
    page = context.new_page()
    sign_in(page, "10001")
    page.goto("/")
    expect(page.locator("#home-due")).to_contain_text("今日待复习 1 题")
    page.goto("/practice/book")
    expect(page.locator("#book-list > li")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(DOCS_SCREENSHOTS / "book-phone.png"), full_page=True)
    page.get_by_role("button", name="开始复习").click()
    expect(page.locator("h1")).to_have_text("错题复习")
    page.locator("#q-0 input[value=A]").check()
    page.locator("#q-0").get_by_role("button", name="确定").click()
    expect(page.locator("#q-0 .verdict")).to_contain_text("回答正确")
    page.goto("/practice/book")
    expect(page.locator("#book-due")).to_have_text("今日无待复习题目")
    context.close()
    assert not violations, "the page broke its Content-Security-Policy"


def test_true_false_and_fill_in_questions_are_answered_in_place(browser, live_server, app, bank, in_app):
    from tests.banks.helpers import row
    from tests.practice.conftest import load_bank

    load_bank(
        app,
        "题型",
        [
            row("判断", "宪法是国家的根本法。", [], "对", source="《宪法》序言", id="T-J"),
            row("填空", "每年12月4日为国家____日。", [], "宪法|宪法日", source="《宪法》", id="T-B"),
        ],
    )

    def round_of_both(session, user):  # type: ignore[no-untyped-def]
        from studyhall.banks.models import Question

        ids = [
            session.scalars(select(Question.id).where(Question.external_id == external)).one()
            for external in ("T-J", "T-B")
        ]
        return service._start(session, user.id, service.RoundKind.TOPIC, "types", ids, now=START).id

    round_id = in_app("10001", round_of_both)
    context = phone_context(browser, live_server, 360, 740)
    violations = csp_violations(context)
    page = context.new_page()
    sign_in(page, "10001")
    page.goto(f"/practice/rounds/{round_id}")
    page.locator("#q-0").get_by_role("button", name="确定").click()  # nothing chosen yet
    expect(page.locator("#q-0 .practice-status")).to_have_text("请先选择或填写答案。")
    page.locator("#q-0 input[value=true]").check()
    page.locator("#q-0").get_by_role("button", name="确定").click()
    expect(page.locator("#q-0 .verdict")).to_contain_text("回答正确")
    page.locator("#next-question").click()
    page.locator("#q-1 input[type=text]").fill(" 宪法 ")
    page.locator("#q-1").get_by_role("button", name="确定").click()
    expect(page.locator("#q-1 .verdict")).to_contain_text("回答正确")
    assert answers_stored(app) == 2
    context.close()
    assert not violations, "the page broke its Content-Security-Policy"


def test_a_secretary_reads_the_branchs_most_wrong_questions(page, app, bank, in_app):
    def mistakes(session, user):  # type: ignore[no-untyped-def]
        found = service.daily(session, user, now=START)
        for position in range(len(found.question_ids)):
            service.answer(session, user, found.id, position, ["B"] if position < 3 else ["A"], now=START)

    for username in ("10001", "10002"):
        in_app(username, mistakes)
    in_app("20001", mistakes)  # another 党支部: not on the first's list
    sign_in(page, "sec1")
    page.goto("/practice/reports/heat")
    expect(page.locator(".heat-category").first).to_be_visible()
    wrong = sum(
        int(n)
        for n in page.locator(".heat-category h2 [data-wrong]").evaluate_all(
            "nodes => nodes.map(n => n.dataset.wrong)"
        )
    )
    assert wrong == 6  # three wrong each, 10001 and 10002
    page.screenshot(path=str(DOCS_SCREENSHOTS / "practice-heat.png"), full_page=True)


def test_the_set_forms_categories_follow_the_banks_ticked_and_are_added_on_a_tap(page, app, bank):
    from tests.banks.helpers import row
    from tests.practice.conftest import load_bank

    load_bank(
        app, "宪法题库", [row("单选", "宪法题（ ）。", ["甲", "乙"], "A", categories="宪法序言", id="X-01")]
    )
    sign_in(page, "admin1")
    page.goto("/admin/practice/sets/new")
    expect(page.locator("#category-none")).to_be_visible()
    page.get_by_label("练习题库").check()
    expect(page.locator("#category-none")).to_be_hidden()
    practice_list = page.locator(f'.category-list[data-bank="{bank}"]')
    expect(practice_list).to_be_visible()
    expect(page.locator(".category-list", has_text="宪法序言")).to_be_hidden()
    security = practice_list.locator('button[data-category="国家安全法"]')
    expect(security).to_contain_text("共 6 题")  # how many a set could draw
    security.click()
    practice_list.locator('button[data-category="宪法"]').click()
    expect(page.locator("#categories")).to_have_value("国家安全法、宪法")
    expect(security).to_have_attribute("aria-pressed", "true")
    security.click()  # a second tap takes it out
    expect(page.locator("#categories")).to_have_value("宪法")
    expect(security).to_have_attribute("aria-pressed", "false")
    page.get_by_label("宪法题库").check()
    expect(page.locator(".category-list", has_text="宪法序言")).to_be_visible()
    page.locator('button[data-category="宪法序言"]').click()
    page.get_by_label("练习题库").uncheck()
    expect(practice_list).to_be_hidden()
    expect(page.locator("#categories")).to_have_value("宪法序言")  # 宪法 was only the unticked bank's
