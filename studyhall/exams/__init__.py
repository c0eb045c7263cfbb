"""Closed-book tests (exams): attempts, scoring and result statistics."""
