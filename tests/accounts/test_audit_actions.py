"""Every action the app writes to the audit log is named in words on the audit page."""

from __future__ import annotations

import ast
import re

from studyhall import PROJECT_ROOT
from studyhall.accounts.audit_text import ACTIONS

ACTION = re.compile(
    r"^(bank|branch|display|document|exam|password|plan|points|practice|publication|question|reflection|user|xxqg)\.[a-z_]+$"
)


def test_every_audited_action_in_the_code_has_words(app):
    """An action code is a string constant such as "exam.publish"; "exam.id" is a foreign key and
    "points.board" a page's endpoint."""
    written = {
        node.value
        for path in (PROJECT_ROOT / "studyhall").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and ACTION.match(node.value)
    }
    actions = {code for code in written if not code.endswith(".id") and code not in app.view_functions}
    assert "exam.publish" in actions  # the walk finds the codes
    assert sorted(actions - set(ACTIONS)) == []
