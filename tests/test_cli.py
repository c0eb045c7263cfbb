from __future__ import annotations

from sqlalchemy import func, select

from studyhall import demo, migrations
from studyhall.accounts.models import Branch, Role, User
from studyhall.exams.models import Exam
from studyhall.points import boards
from studyhall.points.models import Period, Publication
from studyhall.points.periods import Span
from studyhall.xxqg.models import Snapshot, SnapshotRow


def test_db_upgrade_brings_the_database_to_the_newest_revision(app, runner):
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    engine = app.extensions["studyhall.engine"]
    assert migrations.current_revision(engine) == migrations.head_revision(engine)


def test_create_admin_makes_the_first_account(runner, session, client):
    result = runner.invoke(
        args=[
            "user",
            "create-admin",
            "--username",
            "admin",
            "--name",
            "党务干部",
            "--password",
            "first-office-pw",
        ]
    )
    assert result.exit_code == 0, result.output
    admin = session.scalars(select(User)).one()
    assert admin.role == Role.ADMIN and not admin.must_change_password
    assert client.post("/login", data={"username": "admin", "password": "first-office-pw"}).status_code == 302


def test_create_admin_refuses_a_weak_password(runner, session):
    result = runner.invoke(
        args=["user", "create-admin", "--username", "admin", "--name", "x", "--password", "short"]
    )
    assert result.exit_code == 1 and "密码至少需要 8 位" in result.output
    assert session.scalar(select(func.count()).select_from(User)) == 0


def test_demo_organisation_has_fixed_logins_and_loading_twice_adds_nothing(app, session, client, frozen_now):
    from studyhall import clock, db

    with app.app_context(), db.new_session() as writer:
        assert demo.load_demo(writer, now=clock.now()) == 45
        writer.commit()
    with app.app_context(), db.new_session() as writer:
        assert demo.load_demo(writer, now=clock.now()) == 0
        writer.commit()
    roles = dict(session.execute(select(User.role, func.count()).group_by(User.role)).all())
    assert roles == {Role.ADMIN: 1, Role.SECRETARY: 4, Role.CADRE: 40}
    assert session.scalar(select(func.count()).select_from(Branch)) == 1 + 4 + 8
    sec = session.scalars(select(User).where(User.username == "demo-sec3")).one()
    assert sec.branch.name == "第三党支部"
    cadre = session.scalars(select(User).where(User.username == "demo040")).one()
    assert (cadre.branch.name, cadre.branch.parent.name) == ("第二党小组", "第四党支部")
    response = client.post("/login", data={"username": "demo001", "password": demo.PASSWORD})
    assert response.headers["Location"] == "/"  # no forced password change for demo accounts
    assert "演示数据" in client.get("/").get_data(as_text=True)


def test_the_demo_history_looks_like_an_offices(app, session, frozen_now):
    from studyhall import clock, db

    with app.app_context(), db.new_session() as writer:
        demo.load_demo(writer, now=clock.now())
        writer.commit()
    names = session.scalars(select(User.display_name)).all()
    assert len(names) == len(set(names)) == 45
    with app.app_context():
        zone = clock.local_zone()
    past = session.scalars(select(Exam).where(Exam.title.in_([title for title, *_ in demo.PAST_EXAMS]))).all()
    assert [exam.opens_at.astimezone(zone).strftime("%H:%M") for exam in past] == ["09:00", "09:00"]
    notices = session.scalars(select(Publication).order_by(Publication.start)).all()
    weekly = [notice for notice in notices if notice.period == "week"]
    assert len(weekly) >= 7 and any(notice.period == "month" for notice in notices)
    # Each of the 40 cadres and 4 secretaries, in their 党支部 for the whole history; published at 08:01.
    assert {len(notice.people) for notice in notices} == {44}
    assert {notice.published_at.astimezone(zone).strftime("%H:%M") for notice in notices} == {"08:01"}
    # Published once all the history was in: each notice agrees with the board of its own period.
    with app.app_context():
        for notice in notices:
            span = Span(Period(notice.period), notice.start)
            for person in notice.people:
                assert person["points"] == boards.standing(session, span, person["user_id"]).points
    latest, earlier = session.scalars(select(Snapshot).order_by(Snapshot.exported_on.desc())).all()
    before = dict(
        session.execute(
            select(SnapshotRow.user_id, SnapshotRow.total).where(SnapshotRow.snapshot_id == earlier.id)
        ).all()
    )
    for row in session.scalars(select(SnapshotRow).where(SnapshotRow.snapshot_id == latest.id)):
        gain = row.total - before[row.user_id]
        assert 0 < row.periods["本周积分"] < gain  # a week's points, fewer than 25 days'


def test_no_demo_banner_without_demo_data(people, auth, client):
    people.user("10001")
    auth.login("10001")
    assert "演示数据" not in client.get("/").get_data(as_text=True)
