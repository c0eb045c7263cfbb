"""The organisation the points tests share."""

from __future__ import annotations

import pytest

from studyhall.accounts.models import Role


@pytest.fixture
def org(app, people, frozen_now):  # type: ignore[no-untyped-def]
    """机关党委 with two 党支部 (one with a 党小组): three people in the first, one in the second."""
    root = people.branch("机关党委")
    first = people.branch("第一党支部", root)
    group = people.branch("第一党小组", first)
    second = people.branch("第二党支部", root)
    people.user("admin1", Role.ADMIN, root, name="管理员")
    people.user("sec1", Role.SECRETARY, first, name="书记甲")
    people.user("10001", branch=first, name="王建国")
    people.user("10002", branch=group, name="李晓燕")
    people.user("20001", branch=second, name="张三")
    return {"root": root, "first": first, "group": group, "second": second}
