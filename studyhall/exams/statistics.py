"""Item and test statistics for closed-book test results, as Moodle's quiz statistics report defines them.

The formulas follow Moodle's code, not a textbook, so that a figure here means what the same figure
means in Moodle (and in the item-analysis literature Moodle's report is built on):

* per question: ``question/classes/statistics/questions/calculator.php`` (``initial_question_walker``,
  ``secondary_steps_walker``, ``secondary_question_walker``);
* for the whole test: ``mod/quiz/report/statistics/classes/calculator.php`` (``calculator::calculate``,
  ``median``);
* grade bands: ``mod/quiz/report/reportlib.php`` (``quiz_report_grade_bands``);
* described in words at https://docs.moodle.org/dev/Quiz_statistics_calculations.

Variance: Moodle uses the *sample* variance (divide by s - 1, s = number of attempts) everywhere:
for each question's mark variance, rest-of-test variance, covariance and maximum covariance, and for
the test's standard deviation and the k2 in the coefficient of internal consistency. We do the same.
In the discrimination index and discriminative efficiency the s - 1 cancels; in Cronbach's alpha it
matters only in that numerator and denominator use the same divisor, which they do.

Scores are raw marks (e.g. 0-2 for a two-mark question). Statistics need at least one attempt; the
ones that need a spread need more, and come back as ``None`` rather than raising or dividing by zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import covariance, fmean, median, stdev, variance
from typing import ClassVar


@dataclass(frozen=True)
class ItemStatistics:
    """How one question performed across the attempts, each figure a percentage."""

    facility: float | None
    """Mean mark / maximum mark x 100 (0-100): how easy the question was. None: no attempts, or max 0."""
    discrimination: float | None
    """Pearson correlation of the question's mark with the rest of the test x 100 (-100 to 100).
    None when either has no variance (everyone scored alike) or there are fewer than 2 attempts."""
    discriminative_efficiency: float | None
    """Covariance with the rest of the test / the largest covariance those same marks could reach x 100."""
    flagged: bool
    """Discrimination below zero: stronger candidates did worse on it than weaker ones; check the key."""


@dataclass(frozen=True)
class TestStatistics:
    """The whole test. Mean, median and standard deviation are in raw marks (Moodle stores them so and
    only divides by the test's maximum, x 100, when it displays them)."""

    __test__: ClassVar[bool] = False  # Not a pytest test class, whatever its name says.

    attempts: int
    mean: float | None
    median: float | None
    standard_deviation: float | None
    """Sample standard deviation of the totals (divide by attempts - 1), as Moodle reports it."""
    cronbach_alpha: float | None
    """Moodle's "coefficient of internal consistency", in percent (can be negative)."""


def item_statistics(scores: Sequence[Sequence[float]], max_scores: Sequence[float]) -> list[ItemStatistics]:
    """Facility, discrimination index and discriminative efficiency of each question.

    ``scores[a][i]`` is the mark of attempt ``a`` on item ``i``; every row is as long as ``max_scores``.
    Returns one :class:`ItemStatistics` per item, in item order.
    """
    rows = _rows(scores, len(max_scores))
    return [_item(rows, index, max_score) for index, max_score in enumerate(max_scores)]


def test_statistics(scores: Sequence[Sequence[float]]) -> TestStatistics:
    """Mean, median, standard deviation and Cronbach's alpha of the test totals (row sums of ``scores``)."""
    rows = _rows(scores, len(scores[0]) if scores else 0)
    attempts = len(rows)
    if not attempts:
        return TestStatistics(
            attempts=0, mean=None, median=None, standard_deviation=None, cronbach_alpha=None
        )
    totals = [math.fsum(row) for row in rows]
    return TestStatistics(
        attempts=attempts,
        mean=fmean(totals),
        # Moodle: the middle total, or the mean of the two middle totals for an even count.
        median=median(totals),
        # Moodle: sqrt(power2 / (s - 1)), only for s > 1.
        standard_deviation=stdev(totals) if attempts > 1 else None,
        cronbach_alpha=_cronbach_alpha(rows, totals),
    )


test_statistics.__test__ = False  # type: ignore[attr-defined]  # Nor is this a pytest test function.


def histogram(totals: Sequence[float], max_total: float, bins: int = 10) -> list[int]:
    """How many totals fall in each of ``bins`` equal bands of 0..``max_total``.

    Band ``b`` holds ``b*w <= total < (b+1)*w`` with ``w = max_total / bins``, except that the top band
    also holds ``max_total`` itself, as Moodle's ``quiz_report_grade_bands`` does (so 10 bands of a
    100-mark test are 0-9.99..., ..., 90-100). Totals outside 0..max_total are a caller's error.
    """
    if bins < 1:
        raise ValueError(f"bins must be at least 1, not {bins}")
    if not max_total > 0:
        raise ValueError(f"max_total must be positive, not {max_total}")
    counts = [0] * bins
    for total in totals:
        if not 0 <= total <= max_total:
            raise ValueError(f"total {total} is outside 0..{max_total}")
        # Moodle computes FLOOR(grade / bandwidth); multiplying first keeps e.g. 0.7 of 1 in band 7
        # (0.7 / 0.1 is 6.999... in floating point, 0.7 * 10 / 1 is 7.0).
        counts[min(math.floor(total * bins / max_total), bins - 1)] += 1
    return counts


def _rows(scores: Sequence[Sequence[float]], width: int) -> list[tuple[float, ...]]:
    rows = [tuple(float(mark) for mark in row) for row in scores]
    for number, row in enumerate(rows):
        if len(row) != width:
            raise ValueError(f"attempt {number} has {len(row)} item scores, expected {width}")
    return rows


def _item(rows: list[tuple[float, ...]], index: int, max_score: float) -> ItemStatistics:
    marks = [row[index] for row in rows]
    # The rest of the test: the attempt's total minus this item (Moodle: $summarks - $step->mark), summed
    # here from the other items with fsum so that equal rests compare equal whatever the float noise.
    rests = [math.fsum(row[:index] + row[index + 1 :]) for row in rows]

    # Moodle: facility = markaverage / maxmark, null when maxmark is 0; shown x 100.
    facility = 100 * fmean(marks) / max_score if marks and max_score else None

    discrimination = efficiency = None
    if len(rows) > 1:  # Moodle leaves every variance and covariance null for s <= 1.
        mark_variance, rest_variance = variance(marks), variance(rests)
        if mark_variance and rest_variance:  # Moodle: if ($markvariance * $othermarkvariance).
            covariance_with_rest = covariance(marks, rests)
            # Moodle: discriminationindex = 100 * covariance / sqrt(markvariance * othermarkvariance).
            discrimination = 100 * covariance_with_rest / math.sqrt(mark_variance * rest_variance)
            # Moodle: covariancemax pairs the i-th smallest mark with the i-th smallest rest (both
            # arrays sorted independently): the largest covariance these marginals allow.
            maximum = covariance(sorted(marks), sorted(rests))
            if maximum:  # Moodle: if ($covariancemax); nonzero whenever both variances are.
                efficiency = 100 * covariance_with_rest / maximum
    return ItemStatistics(
        facility=facility,
        discrimination=discrimination,
        discriminative_efficiency=efficiency,
        flagged=discrimination is not None and discrimination < 0,
    )


def _cronbach_alpha(rows: list[tuple[float, ...]], totals: list[float]) -> float | None:
    """Moodle: cic = 100 * p / (p - 1) * (1 - sum of item mark variances / k2).

    p is the number of items (all of them, constant ones included) and k2 = s * m2 / (s - 1) is the
    sample variance of the totals. Moodle computes it only for p > 1 and k2 != 0, and only inside its
    ``if ($s > 2)`` skewness block, so it shows no coefficient for two attempts; nor do we.
    """
    items, attempts = len(rows[0]), len(rows)
    if items < 2 or attempts < 3:
        return None
    total_variance = variance(totals)
    if not total_variance:
        return None
    item_variance = math.fsum(variance(column) for column in zip(*rows, strict=True))
    return 100 * items / (items - 1) * (1 - item_variance / total_variance)
