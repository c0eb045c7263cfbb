"""States and refusal codes are StrEnums whose values are the strings the database has always held and
the browser's attempt page compares: pinned here against static/js/attempt.js and raw SQL."""

from __future__ import annotations

import ast
import re

from sqlalchemy import text

from studyhall import PROJECT_ROOT, db
from studyhall.errors import ErrorCode
from studyhall.exams.models import AttemptState, EndedBy, EventKind, ExamMode, Grading, ReviewPolicy
from tests.exams.test_attempts import sign_in, start

ATTEMPT_JS = (PROJECT_ROOT / "static" / "js" / "attempt.js").read_text(encoding="utf-8")


def js_strings(pattern: str) -> set[str]:
    """Every quoted string inside the matches of `pattern` in attempt.js."""
    return {s for match in re.findall(pattern, ATTEMPT_JS) for s in re.findall(r'"([a-z_]+)"', match)}


def test_the_codes_and_values_attempt_js_relies_on_are_the_enums_values():
    compared = js_strings(r"code === \"[a-z_]+\"") | js_strings(r"\[[^\]]*\]\.includes\(code\)")
    assert compared == {"deadline_passed", "submitted", "closed", "csrf_expired"}
    assert compared <= {code.value for code in ErrorCode}
    assert js_strings(r"kind: \"[a-z_]+\"") == {EventKind.TAB_SWITCH.value}
    assert js_strings(r"reason === \"[a-z_]+\"") == {EndedBy.TIMER.value}


def test_every_refusal_names_its_code_by_the_enum():
    """A DomainError given a bare string would bypass the list the API and the page agree on."""
    literal = []
    for path in (PROJECT_ROOT / "studyhall").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in {"DomainError", "jsonify"}:
                given = node.args[1:2] + [k.value for k in node.keywords if k.arg == "code"]
                literal += [f"{path.name}:{node.lineno}" for arg in given if isinstance(arg, ast.Constant)]
    assert literal == []


def test_the_database_holds_the_same_strings_as_before(app, make_exam, frozen_now):
    exam_id = make_exam(mode="contest", grading="last", review="never")
    client = sign_in(app, "10001")
    state = start(client, exam_id).get_json()
    client.post(f"/api/attempts/{state['attempt']}/events", json={"kind": "tab_switch"})
    refused = client.put(f"/api/attempts/{state['attempt']}/answers/1", json={"response": [], "seq": "x"})
    assert refused.get_json()["code"] == ErrorCode.INVALID_SEQ == "invalid_seq"
    assert (
        client.post(f"/api/attempts/{state['attempt']}/submit", json={"reason": "timer"}).status_code == 200
    )
    with app.app_context(), db.new_session() as session:
        assert session.execute(text("SELECT mode, grading, review FROM exam")).one() == (
            "contest",
            "last",
            "never",
        )
        assert session.execute(text("SELECT state, ended_by FROM attempt")).one() == ("submitted", "timer")
        kinds = session.scalars(text("SELECT kind FROM attempt_event ORDER BY id")).all()
        assert kinds == ["start", "tab_switch"]
    # And every member's value, so a renamed value (a silent change of what is stored) fails here.
    assert [m.value for m in AttemptState] == ["open", "submitted"]
    assert [m.value for m in EndedBy] == ["", "cadre", "timer", "sweep", "tab_switches"]
    assert [m.value for m in EventKind] == ["start", "resume", "tab_switch"]
    assert [m.value for m in ExamMode] == ["exam", "contest"]
    assert [m.value for m in Grading] == ["highest", "last"]
    assert [m.value for m in ReviewPolicy] == ["after_close", "never"]
