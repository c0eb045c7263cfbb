from __future__ import annotations

from playwright.sync_api import expect

from studyhall.accounts.models import Role
from tests.banks.helpers import SAMPLE, row, sheet_rows, xlsx
from tests.browser.conftest import screenshot
from tests.browser.test_accounts_browser import sign_in


def test_admin_loads_a_question_file_fixes_it_and_browses_the_bank(page, people, tmp_path):
    people.user("admin1", Role.ADMIN, name="党务干部")
    broken = tmp_path / "题库.xlsx"
    broken.write_bytes(xlsx(sheet_rows(*SAMPLE, row("单选", "根本大法是（ ）。", ["宪法", "刑法"], "C"))))
    fixed = tmp_path / "题库-改.xlsx"
    fixed.write_bytes(xlsx(sheet_rows(*SAMPLE, row("单选", "根本大法是（ ）。", ["宪法", "刑法"], "A"))))

    sign_in(page, "admin1")
    page.get_by_role("link", name="题库").first.click()
    page.get_by_label("题库", exact=True).fill("国家安全知识")
    page.get_by_label("文件", exact=True).set_input_files(str(broken))
    page.get_by_role("button", name="检查文件").click()
    expect(page.locator("#errors")).to_contain_text("第 6 行：答案 C 不在选项之中。")
    expect(page.get_by_role("button", name="导入到“国家安全知识”")).to_have_count(0)

    page.get_by_role("link", name="上传其他文件").click()
    page.get_by_label("题库", exact=True).fill("国家安全知识")
    page.get_by_label("文件", exact=True).set_input_files(str(fixed))
    page.get_by_role("button", name="检查文件").click()
    expect(page.locator("#preview")).to_contain_text("每年（ ）为全民国家安全教育日。")
    screenshot(page, "bank-preview")
    page.get_by_role("button", name="导入到“国家安全知识”").click()
    expect(page.get_by_text("已导入“国家安全知识”：新增 5 题")).to_be_visible()
    page.get_by_label("题型").select_option("judge")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#questions")).to_contain_text("维护国家安全是中华人民共和国公民的义务。")
    expect(page.locator("#questions")).not_to_contain_text("根本大法")
    page.get_by_label("题型").select_option("")
    page.get_by_role("button", name="筛选").click()
    screenshot(page, "bank-browse")
