"""Guessing stays slow, and nobody can lock a cadre out: tries are counted before the password is
checked; a browser that signed in to the account before has a limit of its own; an office behind
one address keeps working; the same limit holds for the current password and for 考试口令."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from studyhall import create_app, db
from studyhall.accounts import service, throttle
from tests.conftest import PASSWORD, START

WRONG = "wrong-password"
PAUSED = "分钟后再试"


def login(client, username: str = "10001", password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"username": username, "password": password})


def trusted_browser(app, username: str = "10001"):  # type: ignore[no-untyped-def]
    """A browser the cadre has signed in with before (it keeps its device cookie), signed out."""
    client = app.test_client()
    assert login(client, username).status_code == 302
    client.post("/logout")
    return client


def test_forty_parallel_guesses_let_only_the_limit_reach_the_password_check(app, people, monkeypatch):
    people.user("10001")
    checked, lock = [], threading.Lock()
    authenticate = service.authenticate

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        with lock:
            checked.append(1)
        return authenticate(*args, **kwargs)

    monkeypatch.setattr(service, "authenticate", counting)
    barrier = threading.Barrier(40)

    def guess(number: int) -> str:
        with app.app_context(), db.new_session() as session:
            barrier.wait()
            try:
                service.sign_in(
                    session, "10001", f"guess-{number}", device=None, address=f"10.0.0.{number}", now=START
                )
            except throttle.Throttled:
                return "refused"
            return "checked"

    with ThreadPoolExecutor(40) as pool:
        outcomes = list(pool.map(guess, range(40)))
    assert outcomes.count("checked") == len(checked) == app.config["LOGIN_TRIES"]


def test_after_the_limit_even_the_right_password_waits_and_is_told_how_long(app, people, client, frozen_now):
    people.user("10001")
    for _ in range(5):
        assert login(client, password=WRONG).status_code == 200
    refused = login(client)
    assert refused.status_code == 429 and "15 分钟后再试" in refused.get_data(as_text=True)
    frozen_now(START + timedelta(minutes=15))
    assert login(client).status_code == 302


def test_the_last_two_tries_and_the_wait_after_the_last_are_announced(people, client):
    people.user("10001")
    pages = [login(client, password=WRONG).get_data(as_text=True) for _ in range(5)]
    assert ["还可尝试" in page for page in pages] == [False, False, True, True, False]
    assert "还可尝试 2 次" in pages[2] and "还可尝试 1 次" in pages[3]
    assert "尝试次数已用完，请 15 分钟后再试" in pages[4]  # said now, not found out at the next try


def test_an_attacker_elsewhere_cannot_lock_out_the_cadres_own_browser(app, people, frozen_now):
    people.user("10001")
    own = trusted_browser(app)
    attacker = app.test_client()
    for _ in range(20):
        login(attacker, password=WRONG)
    assert login(attacker).status_code == 429  # untrusted clients wait...
    assert login(app.test_client()).status_code == 429
    assert login(own).status_code == 302  # ...the cadre's own browser does not


def test_a_browsers_own_wrong_tries_slow_down_only_that_browser(app, people, frozen_now):
    people.user("10001")
    phone, desktop = trusted_browser(app), trusted_browser(app)
    for _ in range(5):
        login(phone, password=WRONG)
    assert login(phone).status_code == 429
    assert login(desktop).status_code == 302
    assert login(app.test_client()).status_code == 302  # nor the untrusted clients' limit


def test_a_device_cookie_for_another_account_or_forged_earns_no_trust(app, people, frozen_now):
    people.user("10001")
    people.user("10002")
    theirs = trusted_browser(app, "10002")
    for _ in range(5):
        login(theirs, "10001", WRONG)
    assert login(app.test_client(), "10001").status_code == 429
    forged = app.test_client()
    forged.set_cookie("studyhall_device", theirs.get_cookie("studyhall_device").value.replace("1", "2"))
    assert login(forged, "10001").status_code == 429


def test_an_office_behind_one_address_keeps_signing_in(app, people, frozen_now):
    """Forty typos in a morning from one NAT address (more than the old limit of 30) lock nobody out."""
    for number in range(5):
        people.user(f"2000{number}")
    office = app.test_client()  # every request comes from 127.0.0.1
    for number in range(40):  # mistyped 工号
        assert login(office, f"3{number:04d}").status_code == 200
    for number in range(5):
        assert login(office, f"2000{number}").status_code == 302
        office.post("/logout")


def test_one_address_guessing_across_many_accounts_is_limited_but_not_the_cadres_browsers(app, people):
    app.config["LOGIN_TRIES_PER_ADDRESS"] = 3
    people.user("10001")
    own = trusted_browser(app)  # the same address as the guesser (127.0.0.1)
    guesser = app.test_client()
    for number in range(3):
        assert login(guesser, f"guess{number}", "x").status_code == 200
    assert login(guesser, "guess9", "x").status_code == 429
    assert login(guesser).status_code == 429
    assert login(own).status_code == 302


def test_behind_a_trusted_proxy_each_client_address_has_its_own_limit(test_config, people):
    app = create_app({**test_config, "TRUSTED_PROXIES": 1, "LOGIN_TRIES_PER_ADDRESS": 3})
    try:
        client = app.test_client()

        def guess(office: str):  # type: ignore[no-untyped-def]
            data = {"username": f"guess-{office}", "password": "x"}
            return client.post("/login", data=data, headers={"X-Forwarded-For": office})

        assert [guess("10.1.0.1").status_code for _ in range(4)] == [200, 200, 200, 429]
        assert guess("10.2.0.1").status_code == 200  # another office, through the same proxy
    finally:
        app.extensions["studyhall.engine"].dispose()


def test_successful_sign_ins_do_not_count_towards_the_limit(people, client):
    people.user("10001")
    for _ in range(8):
        assert login(client).status_code == 302
        client.post("/logout")


def test_wrong_current_passwords_are_limited_like_sign_ins(app, people, frozen_now):
    people.user("10001")
    client = app.test_client()
    login(client)
    new = {"new": "new-secret-99", "confirm": "new-secret-99"}
    pages = [client.post("/password", data={"current": WRONG, **new}) for _ in range(5)]
    assert "当前密码不正确" in pages[0].get_data(as_text=True)
    assert "还可尝试 1 次" in pages[3].get_data(as_text=True)
    refused = client.post("/password", data={"current": PASSWORD, **new})
    assert refused.status_code == 429 and PAUSED in refused.get_data(as_text=True)
    assert login(app.test_client(), "10001", "new-secret-99").status_code == 200  # not changed


def test_tries_refused_unchecked_use_up_no_other_limit(app, people):
    """One client hammering an unknown 工号 past its limit does not fill the address's limit: the
    refused tries checked no password, so a colleague behind the same NAT still signs in."""
    app.config["LOGIN_TRIES_PER_ADDRESS"] = 8
    people.user("10001")
    flood = app.test_client()
    answers = [login(flood, "99999", WRONG).status_code for _n in range(20)]
    assert answers == [200] * 5 + [429] * 15
    colleague = app.test_client()  # the same address, no device cookie
    assert login(colleague).status_code == 302
