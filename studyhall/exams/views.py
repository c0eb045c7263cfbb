"""Cadres' test pages: landing, the attempt page, result and review."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("exams", __name__)
