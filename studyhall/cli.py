"""The `studyhall` command: thin wrappers that parse arguments, call a service and print."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from studyhall import clock, create_app, db, migrations
from studyhall.errors import DomainError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from studyhall.accounts.models import User
    from studyhall.banks.formats import ParseResult

# The console script. Its commands live on each app's `cli` (see register), so tests reach them
# through app.test_cli_runner() exactly as an operator does through `studyhall`.
cli = FlaskGroup(create_app=lambda: create_app(), help="studyhall: study plans, tests and points.")
db_group = AppGroup("db", help="Database migrations.")
user_group = AppGroup("user", help="People and accounts.")
bank_group = AppGroup("bank", help="Question banks.")
points_group = AppGroup("points", help="Points and leaderboards.")
FORMAT_CHOICES = click.Choice(["auto", "xlsx", "csv", "text", "docx", "gift", "aiken", "moodlexml"])


def register(app: Flask) -> None:
    for command in (serve, run_scheduler, db_group, user_group, bank_group, points_group):
        app.cli.add_command(command)


def _upgrade_database() -> None:
    Path(current_app.instance_path).mkdir(mode=0o700, parents=True, exist_ok=True)
    migrations.upgrade(db.engine())


@click.command("serve")
@click.option("--demo", is_flag=True, help="Load the demo organisation (kept if already there).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve(demo: bool, host: str, port: int) -> None:
    """Migrate the database, start the scheduler and serve the app (one process)."""
    from werkzeug.serving import make_server

    from studyhall import demo as demo_data
    from studyhall import scheduler

    app = current_app._get_current_object()  # type: ignore[attr-defined]  # typed as the Flask, not its proxy
    _upgrade_database()
    screen_token = None
    if demo:
        with db.new_session() as session:
            added = demo_data.load_demo(session, now=clock.now())
            screen_token = demo_data.demo_screen(session, now=clock.now()).token
            session.commit()
        click.echo(f"Demo data ready ({added} accounts added).")
        click.echo(
            f"  administrator: demo-admin   secretaries: demo-sec1 … demo-sec4   "
            f"cadres: demo001 … demo040   password: {demo_data.PASSWORD}"
        )
    try:  # before the scheduler starts: a port in use is one clear line, not a scheduler's traceback
        server = make_server(host, port, app, threaded=True)
    except OSError as error:
        raise click.ClickException(
            f"cannot serve on {host}:{port} ({error.strerror}): choose another --port"
        ) from None
    background = scheduler.build(app, blocking=False)
    background.start()
    click.echo(f"studyhall is serving on http://{host}:{server.server_port}/  (Ctrl+C stops it)")
    if screen_token:
        click.echo(f"  corridor screen: http://{host}:{server.server_port}/display/{screen_token}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        background.shutdown(wait=False)


@click.command("scheduler")
@with_appcontext
def run_scheduler() -> None:
    """Run the scheduled sweeps in this process (use one, beside gunicorn)."""
    from studyhall import scheduler

    click.echo("studyhall scheduler running (Ctrl+C stops it)")
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # typed as the Flask, not its proxy
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.build(app, blocking=True).start()


@db_group.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Apply every migration not yet applied."""
    _upgrade_database()
    click.echo(f"Database at revision {migrations.current_revision(db.engine())}.")


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@with_appcontext
def db_revision(message: str) -> None:
    """(Developers) write a migration for the models' changes."""
    migrations.revision(db.engine(), message)


@user_group.command("create-admin")
@click.option("--username", prompt="工号 (username)")
@click.option("--name", prompt="Name")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def create_admin(username: str, name: str, password: str) -> None:
    """Create an administrator account (the first account of an empty installation)."""
    from studyhall.accounts import service
    from studyhall.accounts.models import Role

    _upgrade_database()
    with db.new_session() as session:
        try:
            service.create_user(
                session,
                None,
                username=username,
                display_name=name,
                role=Role.ADMIN,
                branch_id=None,
                password=password,
                must_change_password=False,
                now=clock.now(),
            )
        except DomainError as error:
            raise click.ClickException(error.message) from None
        session.commit()
    click.echo(f"Administrator {username} created.")


@user_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and show what would change; write nothing.")
@click.option("--create-branches", is_flag=True, help="Create 党支部/党小组 that do not exist yet.")
@click.option(
    "--passwords-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write generated initial passwords to this .xlsx instead of printing them.",
)
@with_appcontext
def import_users(file: Path, dry_run: bool, create_branches: bool, passwords_out: Path | None) -> None:
    """Import people from an .xlsx or .csv file (all rows or none)."""
    from flask_babel import gettext as _

    from studyhall.accounts import user_import

    _upgrade_database()
    with db.new_session() as session:
        plan = user_import.plan_import(session, file.name, file.read_bytes(), create_branches=create_branches)
        for problem in plan.problems:
            text = (
                problem.message
                if problem.row is None
                else _(
                    "Row %(row)d, column %(column)s: %(message)s",
                    row=problem.row,
                    column=problem.column,
                    message=problem.message,
                )
            )
            click.echo(f"{file.name}: {text}", err=True)
        if plan.missing_branches and not create_branches:
            for branch, group in plan.missing_branches:
                click.echo(
                    f"{file.name}: unknown branch {'/'.join(filter(None, (branch, group)))} "
                    "(use --create-branches to create it)",
                    err=True,
                )
        if not plan.ok:
            raise click.ClickException("nothing imported")
        click.echo(
            f"{plan.count('create')} to create, {plan.count('update')} to update, "
            f"{plan.count('unchanged')} unchanged."
        )
        if dry_run:
            click.echo("Dry run: nothing written.")
            return
        admin = _cli_actor(session)
        result = user_import.apply_import(session, admin, plan, now=clock.now())
        session.commit()
    click.echo(
        f"Imported: {result.created} created, {result.updated} updated, "
        f"{result.branches_created} branches created."
    )
    if result.passwords and passwords_out:
        passwords_out.write_bytes(user_import.passwords_workbook(result.passwords))
        click.echo(f"Initial passwords written to {passwords_out}.")
    elif result.passwords:
        click.echo("工号\t姓名\t初始密码")
        for row in result.passwords:
            click.echo("\t".join(row))


def _cli_actor(session: Session) -> User | None:
    """Command-line actions are recorded as the first administrator's (there is no signed-in user)."""
    from sqlalchemy import select

    from studyhall.accounts.models import Role, User

    return session.scalars(select(User).where(User.role == Role.ADMIN).order_by(User.id)).first()


def _parse_checked(file: Path, format_name: str) -> ParseResult:
    from studyhall.banks.formats import parse_file

    return parse_file(file.name, file.read_bytes(), format_name)


def _echo_issues(file: Path, result: ParseResult) -> None:
    for kind, issues in (("error", result.errors), ("warning", result.warnings)):
        for issue in issues:
            where = (
                f"row {issue.row}" if issue.row is not None else f"line {issue.line}" if issue.line else ""
            )
            click.echo(f"{file.name}:{where and ' ' + where}: {kind}: {issue.message}", err=True)


@bank_group.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "format_name", type=FORMAT_CHOICES, default="auto", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: questions, errors, warnings.")
@click.option("--require-source", is_flag=True, help="Every question must name its source (shipped banks).")
@with_appcontext
def bank_check(file: Path, format_name: str, as_json: bool, require_source: bool) -> None:
    """Parse and lint a question file without touching the database. Exit 1 on errors."""
    import json

    from studyhall.banks import lint

    result = _parse_checked(file, format_name)
    lint.lint(result, require_source=require_source)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        _echo_issues(file, result)
        click.echo(
            f"{file.name}: {result.format}, {len(result.questions)} questions, "
            f"{len(result.errors)} errors, {len(result.warnings)} warnings"
        )
    if result.errors:
        raise SystemExit(1)


@bank_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--bank", "bank_name", required=True, help="Bank to import into (created if new).")
@click.option("--format", "format_name", type=FORMAT_CHOICES, default="auto", show_default=True)
@click.option("--dry-run", is_flag=True, help="Check and show what would change; write nothing.")
@with_appcontext
def bank_import(file: Path, bank_name: str, format_name: str, dry_run: bool) -> None:
    """Import a question file into a bank: every question or, on any error, none."""
    from studyhall.banks import service as banks

    _upgrade_database()
    with db.new_session() as session:
        plan = banks.plan_import(session, bank_name, _parse_checked(file, format_name))
        _echo_issues(file, plan.result)
        if not plan.ok:
            raise click.ClickException("nothing imported")
        click.echo(
            f"{plan.count('new')} new, {plan.count('version')} changed (new version), "
            f"{plan.count('unchanged')} unchanged."
        )
        if dry_run:
            click.echo("Dry run: nothing written.")
            return
        banks.apply_import(session, _cli_actor(session), plan, now=clock.now())
        session.commit()
    click.echo(f"Imported into bank {bank_name}.")


@bank_group.command("export")
@click.argument("bank_name")
@click.option(
    "--format",
    "format_name",
    required=True,
    type=click.Choice(["xlsx", "csv", "text", "docx", "gift", "aiken", "moodlexml"]),
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def bank_export(bank_name: str, format_name: str, output: Path) -> None:
    """Write a bank's current questions to a file."""
    from studyhall.banks import service as banks

    with db.new_session() as session:
        bank = banks.get_bank(session, bank_name)
        if bank is None:
            raise click.ClickException(f"no bank called {bank_name}")
        output.write_bytes(banks.export_bank(session, bank, format_name))
    click.echo(f"Wrote {output}.")


@bank_group.command("list")
@with_appcontext
def bank_list() -> None:
    """Banks with their question counts."""
    from studyhall.banks import service as banks

    with db.new_session() as session:
        for item in banks.summaries(session):
            types = " ".join(f"{kind}={count}" for kind, count in item.by_type.items())
            click.echo(f"{item.bank.name}\t{item.total} questions ({types}), {item.retired} retired")


@points_group.command("backfill")
@with_appcontext
def points_backfill() -> None:
    """Award the points of tests graded before points existed (and any still waiting), once:
    running it again awards nothing more."""
    from studyhall.exams import points as exam_points

    with db.new_session() as session:
        settled = exam_points.settle_due(session, now=clock.now())
        session.commit()
    click.echo(f"Points settled for {settled} people's tests.")
