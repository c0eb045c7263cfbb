"""`studyhall serve --demo` registers a demo corridor screen, once, and prints its address."""

from __future__ import annotations

import werkzeug.serving
from sqlalchemy import select

from studyhall import scheduler
from studyhall.display.models import Display


class _Server:
    server_port = 5123

    def serve_forever(self) -> None:
        raise KeyboardInterrupt  # as Ctrl+C would


class _Scheduler:
    def start(self) -> None:
        pass

    def shutdown(self, wait: bool) -> None:
        pass


def test_serve_demo_registers_one_demo_screen_and_prints_its_address(
    app, runner, session, client, monkeypatch, frozen_now
):
    monkeypatch.setattr(werkzeug.serving, "make_server", lambda *args, **kwargs: _Server())
    monkeypatch.setattr(scheduler, "build", lambda *args, **kwargs: _Scheduler())
    outputs = [runner.invoke(args=["serve", "--demo"]).output for _run in range(2)]

    token = session.scalars(select(Display.token)).one()  # the second run found the first's screen
    for output in outputs:
        assert f"corridor screen: http://127.0.0.1:5123/display/{token}" in output
    board = client.get(f"/display/{token}/data.json").json
    # The demo's history has published its 积分公示 and imported two 学习强国 exports; this week has its plan.
    assert [panel["kind"] for panel in board["panels"]] == [
        "people",
        "branches",
        "publication",
        "xuexi",
        "plan",
        "next_exam",
        "notice",
    ]


def test_serve_on_a_port_in_use_says_so_in_one_line_and_starts_no_scheduler(app, runner, monkeypatch):
    def in_use(*args: object, **kwargs: object) -> None:
        raise OSError(98, "Address already in use")

    started: list[bool] = []
    monkeypatch.setattr(werkzeug.serving, "make_server", in_use)
    monkeypatch.setattr(scheduler, "build", lambda *args, **kwargs: started.append(True))
    result = runner.invoke(args=["serve", "--port", "5099"])
    assert result.exit_code == 1 and started == []
    assert "cannot serve on 127.0.0.1:5099 (Address already in use): choose another --port" in result.output
