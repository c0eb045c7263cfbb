"""Administrators' test pages: build, preview, monitor, results, analysis, regrade."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("exams_admin", __name__, url_prefix="/admin/exams")
