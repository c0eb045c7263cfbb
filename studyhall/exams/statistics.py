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

A question that every paper has (hand-picked) is correlated with the rest of the test, the attempt's
total minus that question, as Moodle does for each slot of a quiz. A question drawn from a pool by a
rule is correlated with the whole total, as Moodle does for the questions a random slot draws
(``initial_steps_walker`` with ``$positionstat`` false, ``secondary_steps_walker`` for a
``subquestion``): see :func:`question_statistics`.

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
    """Pearson correlation of the question's mark with the other marks (the rest of the test, or the
    whole total for a drawn question) x 100 (-100 to 100). None when either has no variance (everyone
    scored alike) or there are fewer than 2 attempts."""
    discriminative_efficiency: float | None
    """Covariance with the other marks / the largest covariance those same marks could reach x 100."""
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
    skewness: float | None
    """Moodle's skewness of the totals, k3 / k2^(3/2): negative when the long tail is at the low end."""
    kurtosis: float | None
    """Moodle's (excess) kurtosis of the totals, k4 / k2^2: 0 for a normal distribution."""
    error_ratio: float | None
    """100 x sqrt(1 - alpha / 100), in percent: the share of the spread that is measurement error."""
    standard_error: float | None
    """error ratio / 100 x standard deviation, in raw marks: how far a total may be from the true one."""


def question_statistics(marks: Sequence[float], others: Sequence[float], max_score: float) -> ItemStatistics:
    """Facility, discrimination index and discriminative efficiency of one question.

    ``marks[a]`` is attempt ``a``'s mark on the question and ``others[a]`` what it is correlated with:
    the rest of the test (total minus this mark) for a question on every paper, the whole total for
    one drawn by a rule, as Moodle does for its slots and for a random slot's questions respectively.
    """
    if len(marks) != len(others):
        raise ValueError(f"{len(marks)} marks but {len(others)} other marks")
    # Moodle: facility = markaverage / maxmark, null when maxmark is 0; shown x 100.
    facility = 100 * fmean(marks) / max_score if marks and max_score else None

    discrimination = efficiency = None
    if len(marks) > 1:  # Moodle leaves every variance and covariance null for s <= 1.
        mark_variance, other_variance = variance(marks), variance(others)
        if mark_variance and other_variance:  # Moodle: if ($markvariance * $othermarkvariance).
            covariance_with_others = covariance(marks, others)
            # Moodle: discriminationindex = 100 * covariance / sqrt(markvariance * othermarkvariance).
            discrimination = 100 * covariance_with_others / math.sqrt(mark_variance * other_variance)
            # Moodle: covariancemax pairs the i-th smallest mark with the i-th smallest other mark
            # (both arrays sorted independently): the largest covariance these marginals allow.
            maximum = covariance(sorted(marks), sorted(others))
            if maximum:  # Moodle: if ($covariancemax); nonzero whenever both variances are.
                efficiency = 100 * covariance_with_others / maximum
    return ItemStatistics(
        facility=facility,
        discrimination=discrimination,
        discriminative_efficiency=efficiency,
        flagged=discrimination is not None and discrimination < 0,
    )


def test_statistics(scores: Sequence[Sequence[float]]) -> TestStatistics:
    """Mean, median, standard deviation, skewness, kurtosis, Cronbach's alpha, error ratio and standard
    error of the test totals (row sums of ``scores``), each None where Moodle shows none."""
    rows = _rows(scores, len(scores[0]) if scores else 0)
    attempts = len(rows)
    if not attempts:
        return TestStatistics(0, None, None, None, None, None, None, None, None)
    totals = [math.fsum(row) for row in rows]
    # Moodle: sqrt(power2 / (s - 1)), only for s > 1.
    deviation = stdev(totals) if attempts > 1 else None
    skewness, kurtosis = _shape(totals)
    alpha = _cronbach_alpha(rows, totals)
    # Moodle: errorratio = 100 * sqrt(1 - cic / 100), standarderror = errorratio * sd / 100, both only
    # where there is a coefficient (which implies a standard deviation). Alpha is at most 100 in exact
    # arithmetic; where rounding puts it a hair above, Moodle's sqrt gives NaN (stored as null) but the
    # ratio is 0.
    error_ratio: float | None = None
    standard_error: float | None = None
    if alpha is not None and deviation is not None:
        error_ratio = 100 * math.sqrt(max(0.0, 1 - alpha / 100))
        standard_error = error_ratio * deviation / 100
    return TestStatistics(
        attempts=attempts,
        mean=fmean(totals),
        # Moodle: the middle total, or the mean of the two middle totals for an even count.
        median=median(totals),
        standard_deviation=deviation,
        cronbach_alpha=alpha,
        skewness=skewness,
        kurtosis=kurtosis,
        error_ratio=error_ratio,
        standard_error=standard_error,
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


def _shape(totals: list[float]) -> tuple[float | None, float | None]:
    """Moodle's skewness and kurtosis of the totals. With s attempts, m_r = (sum of (total - mean)^r) / s
    and k2 = s m2 / (s - 1) (the sample variance):

    * skewness = k3 / k2^(3/2), k3 = s^2 m3 / ((s - 1)(s - 2)), only for s > 2;
    * kurtosis = k4 / k2^2, k4 = s^2 ((s + 1) m4 - 3 (s - 1) m2^2) / ((s - 1)(s - 2)(s - 3)), only for s > 3;

    both only when k2 != 0.
    """
    s = len(totals)
    # statistics.variance is exact for equal totals: the float mean of three totals of 0.1 is not 0.1,
    # and the moments of that rounding noise would give a skewness of pure noise.
    if s < 3 or not variance(totals):
        return None, None
    mean = fmean(totals)
    m2, m3, m4 = (math.fsum((total - mean) ** power for total in totals) / s for power in (2, 3, 4))
    k2 = s * m2 / (s - 1)
    k3 = s * s * m3 / ((s - 1) * (s - 2))
    k4 = s * s * ((s + 1) * m4 - 3 * (s - 1) * m2 * m2) / ((s - 1) * (s - 2) * (s - 3)) if s > 3 else None
    return k3 / k2**1.5, k4 / k2**2 if k4 is not None else None
