"""Registering, changing, revoking and re-addressing screens: administrators only."""

from __future__ import annotations

import re

from sqlalchemy import select

from studyhall.accounts.models import AuditEvent, Role
from studyhall.display.models import Display, Privacy
from studyhall.display.panels import PANELS, PanelKind, offered
from tests.conftest import PASSWORD


def signed_in(app, username: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


FORM = {
    "name": "二楼电梯口",
    "panel_branches": "1",
    "panel_people": "2",
    "panel_notice": "",
    "panel_next_exam": "3",
    "rotate_seconds": "12",
    "privacy": "surname",
    "notice": "",
}


def test_cadres_and_secretaries_cannot_manage_screens(app, people, world, register):
    token = register()
    people.user("sec1", Role.SECRETARY, world["first"])
    for username in ("10001", "sec1"):
        client = signed_in(app, username)
        assert client.get("/admin/displays/").status_code == 403
        assert client.post("/admin/displays/new", data=FORM).status_code == 403
        assert client.post("/admin/displays/1/revoke").status_code == 403
        assert client.post("/admin/displays/1/address").status_code == 403
    assert signed_in(app, "10001").get(f"/display/{token}/data.json").status_code == 200


def test_an_administrator_registers_a_screen_and_sees_its_address_and_qr_code(app, session, world):
    client = signed_in(app, "admin1")
    response = client.post("/admin/displays/new", data=FORM)
    assert response.status_code == 302
    display = session.scalars(select(Display)).one()
    assert display.panels == ["branches", "people", "next_exam"]  # by the places given
    assert (display.rotate_seconds, display.privacy) == (12, Privacy.SURNAME)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"http://localhost/display/{display.token}" in page
    assert "<svg" in page and 'class="segno"' in page
    listing = client.get("/admin/displays/").get_data(as_text=True)
    assert "二楼电梯口" in listing and display.token in listing
    assert "display.register" in session.scalars(select(AuditEvent.action)).all()


def test_a_screen_without_panels_is_refused(app, session, world):
    client = signed_in(app, "admin1")
    page = client.post(
        "/admin/displays/new", data={**FORM, "panel_branches": "", "panel_people": "", "panel_next_exam": ""}
    )
    assert page.status_code == 200
    assert session.scalars(select(Display)).first() is None


def test_editing_revoking_and_a_new_address(app, session, client, world, register):
    token = register()
    display_id = session.scalars(select(Display.id)).one()
    admin = signed_in(app, "admin1")
    form = admin.get(f"/admin/displays/{display_id}").get_data(as_text=True)
    assert re.search(r'name="panel_people"[^>]*value="1"', form)  # the stored order, shown as places

    assert admin.post(f"/admin/displays/{display_id}", data={**FORM, "notice": "新通知"}).status_code == 302
    board = client.get(f"/display/{token}/data.json").json
    assert board["name"] == "二楼电梯口" and board["rotate_seconds"] == 12

    admin.post(f"/admin/displays/{display_id}/revoke")
    assert client.get(f"/display/{token}").status_code == 404
    admin.post(f"/admin/displays/{display_id}/address")
    session.expire_all()
    new_token = session.get(Display, display_id).token
    assert new_token != token
    assert client.get(f"/display/{new_token}").status_code == 200
    assert client.get(f"/display/{token}").status_code == 404


def test_every_panel_kind_is_registered_and_only_built_ones_are_offered(app, world):
    assert set(PANELS) == set(PanelKind)
    assert {panel.kind for panel in offered()} == {
        PanelKind.PEOPLE,
        PanelKind.BRANCHES,
        PanelKind.PUBLICATION,
        PanelKind.XUEXI,
        PanelKind.NEXT_EXAM,
        PanelKind.NOTICE,
        PanelKind.PLAN,
    }
    page = signed_in(app, "admin1").get("/admin/displays/new").get_data(as_text=True)
    for kind in PanelKind:
        assert (f'name="panel_{kind}"' in page) is (PANELS[kind].build is not None)
