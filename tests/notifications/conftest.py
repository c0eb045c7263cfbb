"""The exam fixtures, for the test that the attempt page carries no badge."""

from tests.exams.conftest import make_exam, world  # noqa: F401
