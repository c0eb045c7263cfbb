"""三会一课 in a real browser: a secretary records a 党员大会 on a desktop (everyone present, then
one on leave with the reason), adds a photo and opens the quarter's checklist; a cadre finds their
attendance on the meeting item's page on a phone. The screenshots go to docs/screenshots/ for the
README (meeting-form.png, meeting-record.png, meeting-checklist.png, meeting-item-phone.png)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw
from playwright.sync_api import expect
from sqlalchemy import select

from studyhall import PROJECT_ROOT, db
from studyhall.plans.meeting_models import AttendanceStatus, Meeting
from studyhall.points.models import PointAward
from tests.browser.conftest import csp_violations, phone_context
from tests.browser.test_accounts_browser import sign_in
from tests.plans.test_meetings import meeting_item

DOCS_SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"


def meeting_photo() -> bytes:
    """A landscape photo as a phone held sideways stores it: its pixels on their side, and EXIF
    orientation 6 saying how to turn them."""
    picture = Image.new("RGB", (1200, 800), (236, 228, 214))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, 0, 1200, 220), fill=(183, 28, 28))  # the banner over the platform
    draw.rectangle((140, 430, 1060, 560), fill=(120, 84, 60))  # the table
    for seat in range(8):
        left = 170 + seat * 110
        draw.ellipse((left, 330, left + 70, 400), fill=(60, 60, 70))
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned a quarter clockwise
    out = io.BytesIO()
    picture.rotate(90, expand=True).save(out, "JPEG", quality=88, exif=exif)
    return out.getvalue()


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS_SCREENSHOTS / f"{name}.png"), full_page=True)


def test_a_secretary_records_a_meeting_with_attendance_and_a_photo(page, app, org, browser, live_server):
    item_id = meeting_item(app)
    sign_in(page, "sec1")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="学习计划").click()
    page.get_by_role("link", name="三会一课记录").click()
    page.get_by_role("link", name="记录会议").click()
    page.locator("#branch-choice").get_by_role("link", name="第一党支部", exact=True).click()

    page.get_by_label("会议类型").select_option(label="支部党员大会")
    page.get_by_label("会议主题").fill("传达学习宪法修正案，讨论贯彻措施")
    everyone = page.get_by_role("button", name="未登记的全部标为出席")
    page.get_by_label("开始时间").fill("2026-04-15T10:00")  # an hour from now: not begun
    expect(everyone).to_be_disabled()
    expect(page.locator("#all-present-reason")).to_have_text("会议尚未开始：会议开始后才能登记出席情况。")
    page.get_by_label("开始时间").fill("2026-04-15T08:30")
    expect(everyone).to_be_enabled()
    expect(page.locator("#all-present-reason")).to_be_hidden()
    page.get_by_label("结束时间").fill("2026-04-15T10:00")
    page.get_by_label("会议地点").fill("机关三楼会议室")
    expect(page.locator("#host_id option:checked")).to_have_text(
        "书记甲 (sec1)"
    )  # the secretary, unless changed
    page.get_by_label("记录人", exact=True).select_option(label="王建国 (10001)")
    page.get_by_label("会议议程").fill("一、传达学习宪法修正案\n二、交流讨论\n三、部署贯彻措施")
    page.get_by_label("会议记录").fill(
        "书记甲传达了宪法修正案的主要内容。王建国、李晓燕结合办案实际发言。\n会议决定：本月底前完成宪法专题学习。"
    )
    page.get_by_label("关联学习任务").select_option(index=1)
    everyone.click()
    expect(page.locator(".flash")).to_contain_text("未登记的人员已全部标为出席")
    rows = page.locator("#attendance-list .attendance-row")
    expect(rows).to_have_count(3)
    for row in rows.all():
        expect(row.get_by_role("radio", name="出席")).to_be_checked()
    leave = page.locator('[data-person="10002"]')
    reason = leave.get_by_label("原因")
    expect(reason).to_be_hidden()  # only for leave or absence
    leave.get_by_role("radio", name="请假").check()
    expect(reason).to_be_visible()
    reason.fill("出差")
    shot(page, "meeting-form")

    page.get_by_role("button", name="保存会议记录").click()
    expect(page.locator(".flash")).to_have_text("会议记录已保存。")
    expect(page.locator("h1")).to_have_text("支部党员大会会议记录")
    expect(page.locator("#meeting-counts")).to_have_text("应到 3 人，出席 2 人，请假 1 人，缺席 0 人")
    expect(page.locator('.record-people[data-status="leave"]')).to_have_text("李晓燕（出差）")

    page.get_by_label("添加照片").set_input_files(
        files=[{"name": "会议现场.jpg", "mimeType": "image/jpeg", "buffer": meeting_photo()}]
    )
    page.get_by_role("button", name="上传").click()
    expect(page.locator(".flash")).to_have_text("已添加 1 张照片。")
    thumbnail = page.locator(".photo-grid img")
    expect(thumbnail).to_have_count(1)
    expect(thumbnail).to_have_attribute("width", "1200")  # turned as it was taken: wider than tall
    expect(thumbnail).to_have_attribute("height", "800")
    # Decoded before the screenshot (awaiting the browser's own promise: the page's CSP forbids the
    # eval a polled predicate needs).
    assert thumbnail.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    shot(page, "meeting-record")

    with app.app_context(), db.new_session() as session:
        meeting = session.scalars(select(Meeting)).one()
        statuses = sorted((row.user.username, row.status) for row in meeting.attendance)
        assert statuses == [
            ("10001", AttendanceStatus.PRESENT), ("10002", AttendanceStatus.LEAVE), ("sec1", AttendanceStatus.PRESENT)
        ]  # fmt: skip
        assert meeting.item_id == item_id
        awards = session.scalars(select(PointAward.source).where(PointAward.source.like("meeting:%"))).all()
        assert len(awards) == 2

    page.goto("/meetings/")
    page.get_by_role("link", name="本季度落实情况").click()
    check = page.locator(f'[data-branch="{org["first"].id}"]')
    expect(check.locator('[data-kind="assembly"]')).to_have_attribute("data-state", "met")
    expect(check.locator('[data-kind="committee"]')).to_have_attribute("data-state", "short")
    shot(page, "meeting-checklist")

    # The cadre, on a phone: the meeting item's page says they were there, with the minutes and photo.
    context = phone_context(browser, live_server)
    violations = csp_violations(context)
    phone = context.new_page()
    sign_in(phone, "10001")
    phone.goto(f"/study/items/{item_id}")
    expect(phone.locator("#study-item")).to_have_attribute("data-state", "done")
    expect(phone.locator(f"#my-status-{meeting.id}")).to_have_attribute("data-status", "present")
    expect(phone.locator(f"#my-status-{meeting.id}")).to_contain_text("出席")
    phone.get_by_text("会议记录", exact=True).click()  # the minutes open
    expect(phone.locator(".meeting-minutes .record-text")).to_contain_text("本月底前完成宪法专题学习")
    expect(phone.locator("#meetings-attended")).to_contain_text("传达学习宪法修正案，讨论贯彻措施")
    assert (
        phone.locator(".photo-grid img").first.evaluate("img => img.decode().then(() => img.naturalWidth)")
        > 0
    )
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(phone, "meeting-item-phone")
    context.close()
    assert not violations, "the page broke its Content-Security-Policy"
