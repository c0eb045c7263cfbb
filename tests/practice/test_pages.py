"""The cadre's practice pages: a day's questions by plain form and by JSON, the book, who sees what."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from studyhall import db
from studyhall.banks.models import Question
from studyhall.practice.models import PracticeRound
from tests.conftest import PASSWORD, START


def client_for(app: Flask, username: str, lang: str = "en") -> FlaskClient:
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    client.post("/language", data={"lang": lang})
    return client


def start_daily(client: FlaskClient) -> int:
    started = client.post("/practice/daily")
    assert started.status_code == 302
    return int(started.location.rstrip("/").split("/")[-1])


def questions_of(app: Flask, round_id: int) -> list[Question]:
    with app.app_context(), db.new_session() as session:
        found = session.get_one(PracticeRound, round_id)
        return [session.get_one(Question, q) for q in found.question_ids]


def test_a_day_by_plain_forms_shows_one_question_then_its_feedback_and_never_a_key_before(app, bank):
    client = client_for(app, "10001")
    hub = client.get("/practice/").get_data(as_text=True)
    assert "Start today’s questions" in hub and "Nothing to review today" in hub
    round_id = start_daily(client)
    questions = questions_of(app, round_id)
    page = client.get(f"/practice/rounds/{round_id}").get_data(as_text=True)
    assert questions[0].stem in page
    for question in questions:  # no key, 解析 or 出处 of any question before it is answered
        assert question.explanation not in page and question.source not in page
    answered = client.post(
        f"/practice/rounds/{round_id}/answer", data={"position": "0", "answer": "B"}, follow_redirects=True
    )
    page = answered.get_data(as_text=True)
    assert "✗ Wrong" in page and questions[0].explanation in page and questions[0].source in page
    assert questions[1].explanation not in page
    assert 'id="next-question"' in page
    # The next question comes next; the one answered keeps its first answer.
    again = client.post(f"/practice/rounds/{round_id}/answer", data={"position": "0", "answer": "A"})
    assert again.status_code == 302
    page = client.get(f"/practice/rounds/{round_id}?at=0").get_data(as_text=True)
    assert "✗ Wrong" in page
    for n in range(1, 5):
        client.post(f"/practice/rounds/{round_id}/answer", data={"position": str(n), "answer": "A"})
    page = client.get(f"/practice/rounds/{round_id}").get_data(as_text=True)
    assert "All answered: 4 of 5 right." in page
    assert all(q.source in page for q in questions)
    assert "4 of 5 answered" not in client.get("/practice/").get_data(as_text=True)
    assert "5 of 5 answered today, 4 right" in client.get("/practice/").get_data(as_text=True)


def test_json_answers_get_the_rendered_feedback_and_refusals_their_message(app, bank):
    client = client_for(app, "10001")
    round_id = start_daily(client)
    questions = questions_of(app, round_id)
    sent = client.post(f"/practice/rounds/{round_id}/answer", json={"position": 1, "response": ["A"]})
    body = sent.get_json()
    assert sent.status_code == 200 and body["correct"] and body["points"] == 1 and body["next"] == 0
    assert questions[1].source in body["html"] and "✓ Right" in body["html"]
    replay = client.post(
        f"/practice/rounds/{round_id}/answer", json={"position": 1, "response": ["B"]}
    ).get_json()
    assert replay["correct"] and replay["earlier"]
    for bad in ({"position": "1", "response": ["A"]}, {"position": 9, "response": ["A"]}, {"position": 0}):
        refused = client.post(f"/practice/rounds/{round_id}/answer", json=bad)
        assert refused.status_code in (400, 404) and refused.get_json()["message"]


def test_someone_elses_round_and_book_question_are_not_found(app, bank):
    owner = client_for(app, "10001")
    round_id = start_daily(owner)
    owner.post(f"/practice/rounds/{round_id}/answer", data={"position": "0", "answer": "B"})
    lineage = questions_of(app, round_id)[0].lineage
    assert owner.get(f"/practice/book/questions/{lineage}").status_code == 200
    other = client_for(app, "10002")
    assert other.get(f"/practice/rounds/{round_id}").status_code == 404
    assert (
        other.post(f"/practice/rounds/{round_id}/answer", data={"position": "1", "answer": "A"}).status_code
        == 404
    )
    assert (
        other.post(f"/practice/rounds/{round_id}/answer", json={"position": 1, "response": ["A"]}).status_code
        == 404
    )
    assert other.get(f"/practice/book/questions/{lineage}").status_code == 404
    assert other.get("/practice/book/questions/" + "x" * 5000).status_code == 404


def test_only_a_question_met_with_its_key_can_be_added_to_the_book(app, bank):
    client = client_for(app, "10001")
    round_id = start_daily(client)
    questions = questions_of(app, round_id)
    client.post(f"/practice/rounds/{round_id}/answer", data={"position": "0", "answer": "A"})  # right
    with app.app_context(), db.new_session() as session:
        unseen = session.scalars(
            select(Question.id).where(Question.id.not_in([q.id for q in questions]), Question.bank_id == bank)
        ).first()
    assert client.post("/practice/book/add", data={"question": str(unseen)}).status_code == 404
    assert client.post("/practice/book/add", data={"question": "not a number"}).status_code == 404
    added = client.post("/practice/book/add", data={"question": str(questions[0].id)}, follow_redirects=True)
    assert "Added to your wrong-answer book" in added.get_data(as_text=True)
    book = client.get("/practice/book").get_data(as_text=True)
    assert questions[0].stem in book and "1 to review today" in book
    assert "<dt>Next review</dt><dd>today</dd>" in book  # not the date, which reads as some other day
    sheet = client.get("/practice/book/print").get_data(as_text=True)
    assert questions[0].stem in sheet and questions[0].explanation in sheet


def test_a_review_session_asks_what_is_due_and_the_book_says_when_it_comes_back(app, bank, frozen_now):
    client = client_for(app, "10001")
    round_id = start_daily(client)
    wrong = questions_of(app, round_id)[2]
    client.post(f"/practice/rounds/{round_id}/answer", data={"position": "2", "answer": "C"})
    book = client.get("/practice/book").get_data(as_text=True)
    assert wrong.stem in book and "Nothing to review today" in book and "2026-04-16" in book
    assert (
        client.post("/practice/review", follow_redirects=True)
        .get_data(as_text=True)
        .count("Nothing in your wrong-answer book is due today.")
    )
    frozen_now(START + timedelta(days=1))
    assert "1 to review today" in client.get("/practice/").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert 'id="home-review"' in home and 'action="/practice/review"' in home  # one tap from home
    review = client.post("/practice/review")
    assert review.status_code == 302
    page = client.get(review.location).get_data(as_text=True)
    assert "Review from the wrong-answer book" in page and wrong.stem in page
    review_id = int(review.location.rstrip("/").split("/")[-1])
    client.post(f"/practice/rounds/{review_id}/answer", data={"position": "0", "answer": "A"})
    reviewed = client.get(f"/practice/rounds/{review_id}?at=0").get_data(as_text=True)
    assert "Next review: 2026-04-" in reviewed and "In your wrong-answer book." not in reviewed
    assert "Nothing to review today" in client.get("/practice/").get_data(as_text=True)


def test_pages_are_chinese_by_default(app, bank):
    client = client_for(app, "10001", lang="zh_Hans_CN")
    page = client.get("/practice/").get_data(as_text=True)
    assert "每日答题" in page and "错题本" in page


def test_a_challenge_by_plain_forms_ends_at_the_first_wrong_answer_and_tops_the_weeks_board(app, bank):
    client = client_for(app, "10001")
    assert 'id="streak-board-empty"' in client.get("/practice/").get_data(as_text=True)  # nobody yet
    started = client.post("/practice/challenge")
    round_id = int(started.location.rstrip("/").split("/")[-1])
    for position in range(2):
        page = client.get(f"/practice/rounds/{round_id}").get_data(as_text=True)
        assert f'id="q-{position}"' in page and f'id="q-{position + 1}"' not in page  # drawn one at a time
        client.post(f"/practice/rounds/{round_id}/answer", data={"position": str(position), "answer": "A"})
    client.post(f"/practice/rounds/{round_id}/answer", data={"position": "2", "answer": "D"})
    page = client.get(f"/practice/rounds/{round_id}").get_data(as_text=True)
    assert "The challenge is over: 2 right in a row." in page
    assert (
        client.post(f"/practice/rounds/{round_id}/answer", data={"position": "3", "answer": "A"}).status_code
        == 404
    )
    hub = client.get("/practice/").get_data(as_text=True)
    assert "Your best this week: 2 in a row." in hub
    board = hub.split('id="streak-board"')[1].split("</ol>")[0]
    assert "1. 王建国" in board and "第一党支部" in board and "<strong>2 right in a row</strong>" in board
    # Another cadre sees it too, and starts a challenge of their own.
    other = client_for(app, "10002")
    assert "1. 王建国" in other.get("/practice/").get_data(as_text=True)
    assert other.post("/practice/challenge").location != started.location


def test_the_book_is_browsed_by_bank_and_category(app, bank):
    client = client_for(app, "10001")
    round_id = start_daily(client)
    questions = questions_of(app, round_id)
    for position in range(5):
        client.post(f"/practice/rounds/{round_id}/answer", data={"position": str(position), "answer": "B"})
    constitution = [q for q in questions if "宪法" in q.categories]
    other = [q for q in questions if "宪法" not in q.categories]
    page = client.get("/practice/book?category=宪法").get_data(as_text=True)
    assert all(q.stem in page for q in constitution) and not any(q.stem in page for q in other)
    page = client.get(f"/practice/book?bank={bank}").get_data(as_text=True)
    assert all(q.stem in page for q in questions)
    assert "No question of the book matches" in client.get("/practice/book?category=%25").get_data(
        as_text=True
    )
    assert "No question of the book matches" in client.get("/practice/book?bank=999999").get_data(
        as_text=True
    )
    assert client.get("/practice/book?bank=x&page=-3&category=" + "字" * 500).status_code == 200


def test_a_challenge_begun_last_week_is_still_offered_to_go_on(app, bank, frozen_now):
    client = client_for(app, "10001")
    client.post("/practice/challenge")
    frozen_now(START + timedelta(days=7))  # the next week
    hub = client.get("/practice/").get_data(as_text=True)
    assert "Continue the challenge" in hub and "Start a challenge" not in hub
