"""The shared organisation (tests/conftest.py) with namesakes, for matching by name."""

from __future__ import annotations

import pytest

from studyhall.accounts.models import Branch
from tests.conftest import People


@pytest.fixture
def org(org: dict[str, Branch], people: People) -> dict[str, Branch]:
    """The second 党支部 gets a 第一党小组 (as the first has) with another 张三 and another 李晓燕."""
    second_group = people.branch("第一党小组", org["second"])
    people.user("20002", branch=second_group, name="张三")
    people.user("20003", branch=second_group, name="李晓燕")
    return {**org, "second_group": second_group}
