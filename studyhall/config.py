"""Defaults and the STUDYHALL_* environment variables that override them."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def from_environment(instance_path: Path) -> dict[str, object]:
    """Build the configuration mapping from defaults and the process environment."""
    env = os.environ
    database_url = env.get("STUDYHALL_DATABASE_URL") or f"sqlite:///{instance_path / 'studyhall.db'}"
    secure = _flag(env.get("STUDYHALL_SECURE_COOKIES"))
    return {
        "SECRET_KEY": env.get("STUDYHALL_SECRET_KEY") or instance_secret_key(instance_path),
        "DATABASE_URL": database_url,
        "TIMEZONE": env.get("STUDYHALL_TIMEZONE", "Asia/Shanghai"),
        "MAX_CONTENT_LENGTH": int(env.get("STUDYHALL_MAX_UPLOAD_MB", "10")) * 1024 * 1024,
        # A study plan's documents (plans.documents): .docx and PDF files, and videos far larger.
        # The upload of a document is allowed the larger of the two; each kind is held to its own.
        "DOCUMENT_MAX_BYTES": int(env.get("STUDYHALL_DOCUMENT_MAX_MB", "20")) * 1024 * 1024,
        "VIDEO_MAX_BYTES": int(env.get("STUDYHALL_VIDEO_MAX_MB", "800")) * 1024 * 1024,
        # Where uploaded documents are kept, with their PDF pages and .docx images: one folder that
        # every host running the app must share.
        "DOCUMENTS_PATH": env.get("STUDYHALL_DOCUMENTS_PATH") or str(instance_path / "documents"),
        # How often an open read or watch item tells the server its reader is still there
        # (plans.reading bounds what each beat may count, whatever this is).
        "READING_BEAT_SECONDS": 15,
        # Wrong tries at a secret within a window (see accounts/throttle.py): per device that has
        # signed in to the account before, else per account; the same per person at a test's
        # access code. Per address the limit is high enough for an office behind one NAT.
        "LOGIN_TRIES": int(env.get("STUDYHALL_LOGIN_TRIES", "5")),
        "LOGIN_TRIES_PER_ADDRESS": int(env.get("STUDYHALL_LOGIN_TRIES_PER_ADDRESS", "100")),
        "LOGIN_TRY_WINDOW_MINUTES": int(env.get("STUDYHALL_LOGIN_TRY_WINDOW_MINUTES", "15")),
        # Calendar feed addresses that fail (unknown, revoked, a person who left) per address in the
        # same window: a phone still subscribed to a revoked address asks a few times an hour.
        "CALENDAR_TRIES_PER_ADDRESS": int(env.get("STUDYHALL_CALENDAR_TRIES_PER_ADDRESS", "60")),
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto to believe: without
        # this, every client would seem to come from the proxy's address.
        "TRUSTED_PROXIES": int(env.get("STUDYHALL_TRUSTED_PROXIES", "0")),
        "PASSWORD_HASH_METHOD": "scrypt",
        # Generated initial passwords carry ~58 bits of randomness and must be replaced at first
        # sign-in, so a lighter hash costs little safety and lets an import of 500 people take
        # seconds rather than minutes (scrypt takes ~0.15 s a hash on this class of server).
        "INITIAL_PASSWORD_HASH_METHOD": "pbkdf2:sha256:20000",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        # A CSRF token lives as long as the session: a cadre who leaves a form open over lunch
        # must not be refused for that alone. An expired session still invalidates it.
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "LANGUAGES": ("zh_Hans_CN", "en"),
        "SCHEDULER_HEARTBEAT_SECONDS": 60,
        # How often a corridor screen asks for its board; an unchanged board costs a 304.
        "DISPLAY_POLL_SECONDS": int(env.get("STUDYHALL_DISPLAY_POLL_SECONDS", "30")),
        # Who signs a 积分公示 (e.g. 中共某某人民检察院机关委员会); empty: the top branch's name.
        "PUBLICATION_ISSUER": env.get("STUDYHALL_PUBLICATION_ISSUER", "").strip(),
        # A 积分公示's 公示期: the days from its publication during which objections may be raised.
        "PUBLICATION_OBJECTION_DAYS": int(env.get("STUDYHALL_PUBLICATION_OBJECTION_DAYS", "7")),
        # Where notifications go besides the app's own list (notifications.channels): names, comma
        # separated; none by default.
        "NOTIFY_CHANNELS": tuple(
            name.strip() for name in env.get("STUDYHALL_NOTIFY_CHANNELS", "").split(",") if name.strip()
        ),
        # How long before an item's due time the people who have not done it are reminded
        # (plans.reminders.remind_due).
        "REMIND_HOURS": int(env.get("STUDYHALL_REMIND_HOURS", "24")),
    }


def instance_secret_key(instance_path: Path) -> str:
    """Return the secret key kept in instance/, creating it once.

    Several gunicorn workers may start at the same moment. Each writes a complete candidate file
    and hard-links it into place; link() fails if the name exists, so exactly one candidate wins
    and every worker reads the same key, never a half-written one.
    """
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)  # keys and the database: ours only
        candidate = instance_path / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        candidate.write_text(secrets.token_hex(32))
        candidate.chmod(0o600)
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    return path.read_text().strip()
