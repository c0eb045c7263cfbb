"""Form fields say in their HTML only what is true of them: an optional field is not required."""

from __future__ import annotations

from datetime import datetime

import pytest

from studyhall import clock
from studyhall.accounts.forms import RenameBranchForm
from studyhall.exams.forms import ExtensionForm
from studyhall.forms import filled, moment


def test_no_form_page_writes_an_attribute_whose_value_is_none(app, client, admin):
    """WTForms writes a None attribute as required="None", which a browser reads as required: a
    test built only from drawing rules could not be saved for its empty list of questions."""
    pages = [r.rule for r in app.url_map.iter_rules() if "GET" in r.methods and not r.arguments]
    forms = 0
    for path in pages:
        with client.get(path) as response:
            html = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        forms += "<form" in html
        assert '="None"' not in html, path
    assert forms >= 5  # the walk reached the forms (new test, new person, sign-in …)
    new_test = client.get("/admin/exams/new").get_data(as_text=True)
    assert 'name="items"' in new_test and 'name="items" required' not in new_test


def test_a_required_field_is_read_as_text_only_after_its_form_has_data(app):
    with app.test_request_context(method="POST", data={"name": "第一党支部"}):
        assert filled(RenameBranchForm(meta={"csrf": False}).name) == "第一党支部"
    with app.test_request_context(method="POST"), pytest.raises(ValueError, match="name holds no data"):
        filled(RenameBranchForm(meta={"csrf": False}).name)


def test_a_required_date_and_time_is_read_in_the_organisations_zone_only_once_posted(app):
    form_data = {"username": "10001", "extra_minutes": "0", "closes_at": "2026-04-15T18:30"}
    with app.test_request_context(method="POST", data=form_data):
        closes_at = moment(ExtensionForm(meta={"csrf": False}).closes_at)
        assert closes_at == datetime(2026, 4, 15, 18, 30, tzinfo=clock.local_zone())
    with app.test_request_context(method="POST"), pytest.raises(ValueError, match="closes_at holds no data"):
        moment(ExtensionForm(meta={"csrf": False}).closes_at)
