from __future__ import annotations

from openpyxl import Workbook
from playwright.sync_api import expect

from studyhall.accounts.models import Role
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD


def sign_in(page, username: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("工号").fill(username)
    page.get_by_label("密码").fill(password)
    with page.expect_navigation():  # the answer to the sign-in, before anything else is asked for
        page.get_by_role("button", name="登录").click()


def test_first_sign_in_asks_for_a_new_password_then_opens_home(page, people):
    people.user("10001", must_change_password=True, name="王建国")
    page.goto("/")
    expect(page).to_have_url("/login?next=/")
    screenshot(page, "login")
    sign_in(page, "10001")
    expect(page).to_have_url("/password")
    expect(page.get_by_text("请把初始密码改为只有您自己知道的密码")).to_be_visible()
    page.get_by_label("当前密码").fill(PASSWORD)
    page.get_by_label("新密码", exact=True).fill("a-new-secret-1")
    page.get_by_label("再次输入新密码").fill("a-new-secret-1")
    screenshot(page, "change-password")
    page.get_by_role("button", name="修改密码").click()
    expect(page).to_have_url("/")
    expect(page.get_by_role("heading", name="王建国，您好")).to_be_visible()
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url("/login")
    sign_in(page, "10001", "a-new-secret-1")
    expect(page).to_have_url("/")


def test_wrong_password_is_announced(page, people):
    people.user("10001")
    sign_in(page, "10001", "not-it")
    expect(page.get_by_role("alert")).to_have_text("工号或密码错误。")


def test_admin_bulk_imports_people_from_an_xlsx_file_and_sees_them_listed(page, people, tmp_path):
    root = people.branch("机关党委")
    first = people.branch("第一党支部", root)
    people.branch("第一党小组", first)
    people.user("admin1", Role.ADMIN, root, name="党务干部")
    workbook = Workbook()
    workbook.active.append(["工号", "姓名", "党支部", "党小组", "角色", "初始密码"])
    workbook.active.append(["20001", "欧阳明", "第一党支部", "第一党小组", "干警", ""])
    workbook.active.append(["20002", "司马静", "第二党支部", "", "支部书记", ""])
    path = tmp_path / "人员名单.xlsx"
    workbook.save(path)

    sign_in(page, "admin1")
    page.get_by_role("link", name="人员").first.click()
    page.get_by_role("link", name="从 Excel 导入").click()
    page.get_by_label("文件（.xlsx 或 .csv）").set_input_files(str(path))
    page.get_by_role("button", name="检查文件").click()
    expect(page.get_by_role("heading", name="以下组织尚不存在")).to_be_visible()
    expect(page.locator("#preview")).to_contain_text("欧阳明")
    page.get_by_label("自动创建上面列出的组织").check()
    page.get_by_role("button", name="重新检查").click()
    screenshot(page, "import-preview")
    page.get_by_role("button", name="确认导入 2 行").click()
    expect(page.get_by_text("新建 2 人，更新 0 人，新建组织 1 个。")).to_be_visible()
    expect(page.locator("#passwords")).to_contain_text("司马静")
    with page.expect_download() as download:
        page.get_by_role("button", name="下载初始密码（.xlsx）").click()
    assert download.value.suggested_filename == "initial-passwords.xlsx"

    page.get_by_role("link", name="返回人员列表").click()
    table = page.locator("#people")
    expect(table).to_contain_text("欧阳明")
    expect(table).to_contain_text("机关党委 / 第二党支部")
    screenshot(page, "people")
    page.get_by_role("link", name="组织架构").click()
    expect(page.get_by_role("rowheader", name="第二党支部")).to_be_visible()
    screenshot(page, "branches")
    page.get_by_role("link", name="操作日志").click()
    expect(page.locator("#audit")).to_contain_text("导入人员")
    screenshot(page, "audit-log")


def test_a_cadre_is_refused_an_admin_page(page, people):
    people.user("10001", Role.CADRE)
    sign_in(page, "10001")
    expect(page.get_by_role("link", name="人员")).to_have_count(0)
    response = page.goto("/admin/users")
    assert response.status == 403
    expect(page.get_by_role("heading", name="您没有权限打开此页面。")).to_be_visible()


def test_sign_in_fits_a_360_pixel_phone_and_switches_to_english(phone, people):
    people.user("10001", name="手机用户")
    phone.goto("/login")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "login-phone")
    phone.get_by_role("button", name="English").click()
    expect(phone.get_by_role("heading", name="Sign in")).to_be_visible()
    phone.get_by_label("工号 (username)").fill("10001")
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Sign in").click()
    expect(phone.get_by_role("heading", name="Welcome, 手机用户")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "home-phone")
