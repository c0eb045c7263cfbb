"""studyhall: weekly study plans, closed-book tests and a points leaderboard."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def data_path(name: str) -> Path:
    """Where templates/, static/ or question_banks/ is: inside the package once installed from a
    wheel (pyproject maps them there), at the repository root in a checkout."""
    packaged = Path(__file__).resolve().parent / name
    return packaged if packaged.is_dir() else PROJECT_ROOT / name


def create_app(config: Mapping[str, object] | None = None) -> Flask:
    """Configure the app. It never touches the database: migrations and the scheduler are run by
    the `studyhall` command, so starting many gunicorn workers has no side effects."""
    from studyhall import access, accounts, cli, db, errors_pages, headers, i18n, inputs, pagination
    from studyhall import config as defaults
    from studyhall.extensions import babel, csrf, login_manager
    from studyhall.plans import kinds as plan_kinds
    from studyhall.questions import types as question_types

    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("STUDYHALL_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=str(Path(str(instance_path)).resolve()) if instance_path else None,
        template_folder=str(data_path("templates")),
        static_folder=str(data_path("static")),
    )
    app.config.from_mapping(defaults.from_environment(Path(app.instance_path)))
    if config:
        app.config.from_mapping(config)

    if proxies := int(app.config["TRUSTED_PROXIES"]):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]  # Flask documents middleware so
    db.init_app(app)
    i18n.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    csrf.init_app(app)
    login_manager.init_app(app)
    accounts.init_login(login_manager)
    inputs.init_app(app)  # before the access hook, which may query with the request's values
    access.init_app(app)
    errors_pages.init_app(app)
    headers.init_app(app)

    from studyhall.accounts.views import bp as accounts_bp
    from studyhall.banks.views import bp as banks_bp
    from studyhall.display.views import bp as display_bp
    from studyhall.exams.admin_views import bp as exams_admin_bp
    from studyhall.exams.api import bp as exams_api_bp
    from studyhall.exams.branch_views import bp as exams_branch_bp
    from studyhall.exams.views import bp as exams_bp
    from studyhall.home.views import bp as home_bp
    from studyhall.notifications import channels as notification_channels
    from studyhall.notifications.views import bp as notifications_bp
    from studyhall.plans.archive_views import bp as archive_bp
    from studyhall.plans.calendar_views import bp as calendar_bp
    from studyhall.plans.document_views import bp as documents_bp
    from studyhall.plans.meeting_views import bp as meetings_bp
    from studyhall.plans.progress_views import bp as progress_bp
    from studyhall.plans.reflection_views import api as reflections_api_bp
    from studyhall.plans.reflection_views import bp as reflections_bp
    from studyhall.plans.study_views import bp as study_bp
    from studyhall.plans.views import bp as plans_bp
    from studyhall.plans.year_views import bp as year_bp
    from studyhall.points.publication_views import bp as publications_bp
    from studyhall.points.views import bp as points_bp
    from studyhall.practice.admin_views import bp as practice_admin_bp
    from studyhall.practice.report_views import bp as practice_reports_bp
    from studyhall.practice.views import bp as practice_bp
    from studyhall.system.views import bp as system_bp
    from studyhall.xxqg.views import bp as xxqg_bp

    app.register_blueprint(accounts_bp)
    app.register_blueprint(archive_bp)
    app.register_blueprint(banks_bp)
    app.register_blueprint(calendar_bp)
    app.register_blueprint(display_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(exams_api_bp)
    app.register_blueprint(exams_bp)
    app.register_blueprint(exams_admin_bp)
    app.register_blueprint(exams_branch_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(meetings_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(plans_bp)
    app.register_blueprint(progress_bp)
    app.register_blueprint(study_bp)
    app.register_blueprint(points_bp)
    app.register_blueprint(practice_admin_bp)
    app.register_blueprint(practice_reports_bp)
    app.register_blueprint(practice_bp)
    app.register_blueprint(publications_bp)
    app.register_blueprint(reflections_api_bp)
    app.register_blueprint(reflections_bp)
    app.register_blueprint(system_bp)
    app.register_blueprint(xxqg_bp)
    app.register_blueprint(year_bp)
    app.context_processor(_template_globals)
    notification_channels.init_app(app)
    # Called by the navigation only when it is shown (someone signed in, not mid-test).
    app.jinja_env.globals["notification_badge"] = _notification_badge
    # Templates render a question through its type's partials (templates/questions/macros.html).
    app.jinja_env.globals["question_type"] = question_types.get
    # And a plan item through its kind's (templates/plans/kinds/), wherever a week is shown.
    app.jinja_env.globals["plan_kind"] = plan_kinds.get
    app.jinja_env.globals["meeting_labels"] = plan_kinds.MEETING_LABELS
    # Links to the same list (another page, an export) carry its filters: see pagination.query_args.
    app.jinja_env.globals["query_args"] = pagination.query_args
    app.jinja_env.filters["day_text"] = i18n.day_text
    app.jinja_env.filters["labelled"] = i18n.labelled
    app.jinja_env.filters["due_text"] = i18n.due_text
    app.jinja_env.filters["size_text"] = i18n.size_text
    app.jinja_env.filters["long_day_text"] = i18n.long_day_text
    app.jinja_env.filters["month_text"] = i18n.month_text
    app.jinja_env.filters["month_day_text"] = i18n.month_day_text
    cli.register(app)
    return app


def _template_globals() -> dict[str, object]:
    from studyhall import db, i18n
    from studyhall.system import service as system

    return {"demo_mode": system.is_demo(db.session()), "html_lang": i18n.html_lang()}


def _notification_badge() -> str:
    from studyhall import db
    from studyhall.accounts import signed_in_user
    from studyhall.notifications import service as notifications

    return notifications.badge(db.session(), signed_in_user().id)
