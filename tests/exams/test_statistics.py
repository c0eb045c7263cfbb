"""Item and test statistics, checked against figures worked out by hand.

Every expected value below is derived in the comments beside it, the way Moodle's quiz statistics
report computes it (sample variances, divisor s - 1 = 4 for five attempts), so a reader can redo the
arithmetic with a pencil.
"""

from __future__ import annotations

import math
from statistics import correlation

import pytest

from studyhall.exams import statistics as exam_statistics
from studyhall.exams.statistics import ItemStatistics, histogram, question_statistics


def item_statistics(scores: list[list[float]], max_scores: list[float]) -> list[ItemStatistics]:
    """Every question of a paper that every attempt had, each against the rest of the test."""
    return [
        question_statistics([row[i] for row in scores], [sum(row) - row[i] for row in scores], max_score)
        for i, max_score in enumerate(max_scores)
    ]


# Five attempts at three questions: A and B are worth 1 mark, C is worth 2.
#
#            A  B  C   total   rest of test without A / B / C
#   a1       1  0  2     3                2 / 3 / 1
#   a2       1  0  1     2                1 / 2 / 1
#   a3       1  1  2     4                3 / 3 / 2
#   a4       0  1  0     1                1 / 0 / 1
#   a5       0  0  1     1                1 / 1 / 0
MAX_SCORES = [1, 1, 2]
SCORES = [
    [1, 0, 2],
    [1, 0, 1],
    [1, 1, 2],
    [0, 1, 0],
    [0, 0, 1],
]


def item(index: int) -> ItemStatistics:
    """Question A, B or C of SCORES as a hand-picked question."""
    return item_statistics(SCORES, MAX_SCORES)[index]


def spreadless(facility: float | None) -> ItemStatistics:
    """What a question looks like when its marks or its rest of test do not vary: only facility."""
    return ItemStatistics(
        facility=facility, discrimination=None, discriminative_efficiency=None, flagged=False
    )


def test_facility_is_mean_mark_over_max_mark_as_a_percentage():
    # A: (1+1+1+0+0)/5 = 0.6 of 1 -> 60.  B: 2/5 = 0.4 of 1 -> 40.  C: 6/5 = 1.2 of 2 -> 60.
    assert [stats.facility for stats in item_statistics(SCORES, MAX_SCORES)] == pytest.approx([60, 40, 60])


def test_discrimination_correlates_an_item_with_the_rest_of_the_test():
    # A: marks 1,1,1,0,0 (mean .6, deviations .4 .4 .4 -.6 -.6, squares sum 1.2, variance 1.2/4 = .3);
    #    rest 2,1,3,1,1 (mean 1.6, deviations .4 -.6 1.4 -.6 -.6, squares .16+.36+1.96+.36+.36 = 3.2,
    #    variance .8); products .16-.24+.56+.36+.36 = 1.2, covariance .3.
    #    Discrimination = 100 * .3 / sqrt(.3 * .8) = 61.237...
    assert item(0).discrimination == pytest.approx(100 * 0.3 / math.sqrt(0.3 * 0.8))
    assert item(0).discrimination == pytest.approx(61.2372, abs=1e-4)
    # C: marks 2,1,2,0,1 (mean 1.2, deviations .8 -.2 .8 -1.2 -.2, squares 2.8, variance .7);
    #    rest 1,1,2,1,0 (mean 1, deviations 0 0 1 0 -1, squares 2, variance .5);
    #    products 0+0+.8+0+.2 = 1.0, covariance .25.  100 * .25 / sqrt(.7 * .5) = 42.258...
    assert item(2).discrimination == pytest.approx(100 * 0.25 / math.sqrt(0.7 * 0.5))
    assert item(2).discrimination == pytest.approx(42.2577, abs=1e-4)
    assert not item(0).flagged and not item(2).flagged


def test_question_the_weaker_candidates_got_right_has_negative_discrimination_and_is_flagged():
    # B: marks 0,0,1,1,0 (mean .4, deviations -.4 -.4 .6 .6 -.4, squares 1.2, variance .3);
    #    rest 3,2,3,0,1 (mean 1.8, deviations 1.2 .2 1.2 -1.8 -.8, squares
    #    1.44+.04+1.44+3.24+.64 = 6.8, variance 1.7);
    #    products -.48-.08+.72-1.08+.32 = -.6, covariance -.15.
    #    Discrimination = 100 * -.15 / sqrt(.3 * 1.7) = -21.004...
    assert item(1).discrimination == pytest.approx(100 * -0.15 / math.sqrt(0.3 * 1.7))
    assert item(1).discrimination == pytest.approx(-21.0042, abs=1e-4)
    assert item(1).flagged


def test_discriminative_efficiency_divides_by_the_covariance_of_both_columns_sorted():
    # A: sorted marks 0,0,1,1,1 (deviations -.6 -.6 .4 .4 .4) against sorted rest 1,1,1,2,3
    #    (deviations -.6 -.6 -.6 .4 1.4): .36+.36-.24+.16+.56 = 1.2, max covariance .3 = the covariance,
    #    so 100 * .3 / .3 = 100.
    # B: sorted 0,0,0,1,1 (-.4 -.4 -.4 .6 .6) against sorted rest 0,1,2,3,3 (-1.8 -.8 .2 1.2 1.2):
    #    .72+.32-.08+.72+.72 = 2.4, max covariance .6; 100 * -.15 / .6 = -25.
    # C: sorted 0,1,1,2,2 (-1.2 -.2 -.2 .8 .8) against sorted rest 0,1,1,1,2 (-1 0 0 0 1):
    #    1.2+0+0+0+.8 = 2.0, max covariance .5; 100 * .25 / .5 = 50.
    efficiencies = [stats.discriminative_efficiency for stats in item_statistics(SCORES, MAX_SCORES)]
    assert efficiencies == pytest.approx([100, -25, 50])


def test_whole_test_mean_median_and_sample_standard_deviation():
    # Totals 3,2,4,1,1: mean 11/5 = 2.2; sorted 1,1,2,3,4, median 2.
    # Deviations .8 -.2 1.8 -1.2 -1.2, squares .64+.04+3.24+1.44+1.44 = 6.8; 6.8 / (5 - 1) = 1.7.
    stats = exam_statistics.test_statistics(SCORES)
    assert stats.attempts == 5
    assert stats.mean == pytest.approx(2.2)
    assert stats.median == 2
    assert stats.standard_deviation == pytest.approx(math.sqrt(1.7))


def test_cronbach_alpha_is_moodles_coefficient_of_internal_consistency_in_percent():
    # Item variances .3 + .3 + .7 = 1.3 (worked out above); variance of the totals 1.7.
    # 100 * 3/(3-1) * (1 - 1.3/1.7) = 150 * .4/1.7 = 60/1.7 = 35.294...
    alpha = exam_statistics.test_statistics(SCORES).cronbach_alpha
    assert alpha == pytest.approx(60 / 1.7)
    assert alpha == pytest.approx(35.2941, abs=1e-4)


# Four attempts at two 1-mark questions; everyone got X right.
#            X  Y   total   rest without X / Y
#   a1       1  1     2            1 / 1
#   a2       1  0     1            0 / 1
#   a3       1  1     2            1 / 1
#   a4       1  0     1            0 / 1
ALL_RIGHT = [[1, 1], [1, 0], [1, 1], [1, 0]]


def test_question_everyone_got_right_has_facility_100_and_no_discrimination():
    x, y = item_statistics(ALL_RIGHT, [1, 1])
    # X: 4/4 = 100%.  Its marks have variance 0, so the correlation is 0/0: undefined, not flagged.
    assert x == spreadless(facility=100)
    # Y: 2/4 = 50%.  Its rest of test (the X column) is 1,1,1,1 with variance 0: undefined too.
    assert y == spreadless(facility=50)


def test_constant_question_still_counts_in_alpha():
    # Totals 2,1,2,1: mean 1.5, squares .25 x 4 = 1, variance 1/3.  Item variances 0 (X) + 1/3 (Y).
    # p = 2 items: 100 * 2/1 * (1 - (1/3)/(1/3)) = 0.
    assert exam_statistics.test_statistics(ALL_RIGHT).cronbach_alpha == pytest.approx(0)


NOTHING_THAT_NEEDS_A_SPREAD = dict.fromkeys(
    ("standard_deviation", "cronbach_alpha", "skewness", "kurtosis", "error_ratio", "standard_error")
)


def test_single_attempt_has_facility_but_nothing_that_needs_a_spread():
    # One attempt 1,0,2 of 1,1,2: facilities 1/1, 0/1, 2/2.
    assert item_statistics([[1, 0, 2]], MAX_SCORES) == [spreadless(100), spreadless(0), spreadless(100)]
    assert exam_statistics.test_statistics([[1, 0, 2]]) == exam_statistics.TestStatistics(
        attempts=1, mean=3, median=3, **NOTHING_THAT_NEEDS_A_SPREAD
    )


def test_no_attempts_give_no_statistics():
    assert item_statistics([], [1, 2]) == [spreadless(None), spreadless(None)]
    assert exam_statistics.test_statistics([]) == exam_statistics.TestStatistics(
        attempts=0, mean=None, median=None, **NOTHING_THAT_NEEDS_A_SPREAD
    )


def test_two_attempts_have_a_standard_deviation_but_no_alpha_as_in_moodle():
    # Totals 2 and 0: mean 1, median (0+2)/2 = 1, squares 1+1 = 2, 2/(2-1) = 2, sd sqrt 2.
    # Moodle computes the coefficient of internal consistency only for more than two attempts.
    stats = exam_statistics.test_statistics([[1, 1], [0, 0]])
    assert (stats.mean, stats.median) == (1, 1)
    assert stats.standard_deviation == pytest.approx(math.sqrt(2))
    assert stats.cronbach_alpha is None


def test_alpha_is_undefined_for_one_item_or_equal_totals():
    # One item: p/(p-1) divides by zero.  Its rest of test is always 0, so no discrimination either.
    assert exam_statistics.test_statistics([[1], [0], [1]]).cronbach_alpha is None
    assert item_statistics([[1], [0], [1]], [1])[0].discrimination is None
    # Totals 1,1,1: variance 0, and the standard deviation is a plain 0.
    equal = exam_statistics.test_statistics([[1, 0], [0, 1], [1, 0]])
    assert equal.cronbach_alpha is None
    assert equal.standard_deviation == 0


def test_even_number_of_attempts_takes_the_mean_of_the_two_middle_totals():
    # Totals 4,1,3,2 sorted 1,2,3,4: median (2+3)/2 = 2.5.
    assert exam_statistics.test_statistics([[4], [1], [3], [2]]).median == 2.5


def test_question_worth_no_marks_has_no_facility():
    assert item_statistics([[0, 1], [0, 0]], [0, 1])[0].facility is None


def test_rows_must_match_the_number_of_items():
    with pytest.raises(ValueError, match="attempt 1 has 2 item scores, expected 3"):
        exam_statistics.test_statistics([[1, 0, 2], [1, 0]])
    with pytest.raises(ValueError, match="2 marks but 3 other marks"):
        question_statistics([1, 0], [2, 1, 0], 1)


def test_drawn_question_correlates_with_the_whole_total_as_moodle_does_for_a_random_slot():
    # Moodle correlates each question a random slot drew with the attempt's whole total
    # (initial_steps_walker with $positionstat false), not with the rest of the test.
    # B of SCORES as if drawn: marks 0,0,1,1,0 (deviations -.4 -.4 .6 .6 -.4, variance .3) against
    # totals 3,2,4,1,1 (mean 2.2, deviations .8 -.2 1.8 -1.2 -1.2, variance 6.8/4 = 1.7);
    # products -.32+.08+1.08-.72+.48 = .6, covariance .15.
    # Discrimination = 100 * .15 / sqrt(.3 * 1.7) = +21.004..., where against the rest it is -21.004.
    # Sorted marks 0,0,0,1,1 against sorted totals 1,1,2,3,4 (deviations -1.2 -1.2 -.2 .8 1.8):
    # .48+.48+.08+.48+1.08 = 2.6, max covariance .65; efficiency 100 * .15 / .65 = 23.08.
    b = question_statistics([0, 0, 1, 1, 0], [3, 2, 4, 1, 1], 1)
    assert b.discrimination == pytest.approx(100 * 0.15 / math.sqrt(0.3 * 1.7))
    assert b.discrimination == pytest.approx(21.0042, abs=1e-4)
    assert b.discriminative_efficiency == pytest.approx(100 * 0.15 / 0.65)
    assert b.facility == pytest.approx(40) and not b.flagged
    assert item(1).discrimination == pytest.approx(-b.discrimination)


def test_skewness_and_kurtosis_are_moodles_k_statistics_of_the_totals():
    # Totals 3,2,4,1,1, s = 5, mean 2.2, deviations .8 -.2 1.8 -1.2 -1.2:
    #   squares .64+.04+3.24+1.44+1.44 = 6.8,        m2 = 6.8/5 = 1.36
    #   cubes .512-.008+5.832-1.728-1.728 = 2.88,    m3 = .576
    #   4th powers .4096+.0016+10.4976+2.0736+2.0736 = 15.056, m4 = 3.0112
    # k2 = s m2 / (s-1) = 6.8/4 = 1.7;  k3 = s^2 m3 / ((s-1)(s-2)) = 25 * .576 / 12 = 1.2
    # skewness = k3 / k2^1.5 = 1.2 / (1.7 sqrt 1.7) = .54139...
    # k4 = s^2 ((s+1) m4 - 3 (s-1) m2^2) / ((s-1)(s-2)(s-3)) = 25 (6 * 3.0112 - 12 * 1.8496) / 24
    #    = 25 * (18.0672 - 22.1952) / 24 = -4.3;  kurtosis = k4 / k2^2 = -4.3 / 2.89 = -1.48789...
    stats = exam_statistics.test_statistics(SCORES)
    assert stats.skewness == pytest.approx(1.2 / (1.7 * math.sqrt(1.7)))
    assert stats.skewness == pytest.approx(0.54139, abs=1e-5)
    assert stats.kurtosis == pytest.approx(-4.3 / 2.89)
    assert stats.kurtosis == pytest.approx(-1.48789, abs=1e-5)


def test_error_ratio_and_standard_error_follow_from_alpha_and_the_standard_deviation():
    # Alpha 60/1.7 % (above): ER = 100 sqrt(1 - alpha/100) = 100 sqrt(1 - .6/1.7) = 100 sqrt(1.1/1.7)
    # = 80.44 %;  SE = ER/100 * SD = sqrt(1.1/1.7) * sqrt(1.7) = sqrt(1.1) = 1.0488 marks.
    stats = exam_statistics.test_statistics(SCORES)
    assert stats.error_ratio == pytest.approx(100 * math.sqrt(1.1 / 1.7))
    assert stats.error_ratio == pytest.approx(80.4400, abs=1e-4)
    assert stats.standard_error == pytest.approx(math.sqrt(1.1))


def test_skewness_needs_three_attempts_kurtosis_four_and_both_a_spread():
    # Totals 2, 0, 1: deviations 1 -1 0, cubes sum to 0: skewness 0; no kurtosis with s = 3.
    three = exam_statistics.test_statistics([[1, 1], [0, 0], [1, 0]])
    assert three.skewness == 0 and three.kurtosis is None
    two = exam_statistics.test_statistics([[1, 1], [0, 0]])
    assert (two.skewness, two.kurtosis, two.error_ratio, two.standard_error) == (None, None, None, None)
    equal = exam_statistics.test_statistics([[1, 0], [0, 1], [1, 0], [0, 1]])
    assert (equal.skewness, equal.kurtosis, equal.error_ratio) == (None, None, None)
    # Equal totals whose float mean is not exact (0.1 * 3 / 3 != 0.1): still no spread, not noise.
    tenths = exam_statistics.test_statistics([[0.1], [0.1], [0.1]])
    assert (tenths.standard_deviation, tenths.skewness) == (0, None)


def test_perfectly_consistent_items_have_error_ratio_zero_not_a_rounding_error():
    # Three identical items: alpha is 100 in exact arithmetic, 100 + 2e-14 in floating point here,
    # where sqrt(1 - alpha/100) would be the square root of a negative number.
    stats = exam_statistics.test_statistics([[0.5] * 3, [0.5] * 3, [0.1] * 3])
    assert stats.cronbach_alpha == pytest.approx(100)
    assert (stats.error_ratio, stats.standard_error) == (0, 0)


# Moodle's own statistics fixture, quiz 00: the marks of 25 attempts at 7 one-mark slots, from
# mod/quiz/report/statistics/tests/fixtures/results00.csv in moodle/moodle (commit c0dfd035; GPL-3.0-or-later,
# used as test data). Slot 1 is a random question drawing a numerical (n) or a short-answer (s) question,
# as steps00.csv (commit 29765e6e) records in its randqs.1 column.
QUIZ_00 = [
    [1, 1, 1, 1, 1, 0, 1],
    [1, 1, 1, 1, 0.5, 1, 0],
    [1, 1, 1, 1, 0.5, 0, 1],
    [0, 0, 1, 1, 1, 0, 0],
    [1, 0, 1, 0, 0, 1, 0.5],
    [1, 1, 1, 1, 0.5, 0, 0.5],
    [0, 1, 1, 1, 0.5, 1, 0.5],
    [1, 1, 1, 0, 0.5, 1, 0.5],
    [1, 0, 1, 1, 1, 1, 1],
    [0, 1, 1, 0, 0.5, 1, 0.5],
    [0.8, 0, 1, 1, 0.5, 1, 0.5],
    [1, 1, 1, 0, 0.5, 1, 1],
    [1, 0, 1, 1, 0.5, 1, 0.5],
    [1, 0, 1, 1, 1, 0, 0.5],
    [0, 0, 1, 1, 0, 1, 1],
    [1, 0, 1, 0, 0.5, 1, 1],
    [0.8, 0, 1, 1, 0.5, 0, 1],
    [1, 0, 1, 1, 0, 1, 0.5],
    [1, 0, 1, 1, 0.5, 0, 0.5],
    [0, 1, 1, 0, 0.5, 1, 0],
    [1, 1, 0.3333333, 1, 0.5, 0, 0.5],
    [1, 1, 1, 0, 0.5, 0, 0.5],
    [1, 1, 1, 1, 0, 1, 0.5],
    [0, 0, 1, 0, 0.5, 1, 1],
    [0, 0, 1, 1, 1, 1, 1],
]
QUIZ_00_SLOT_1_DRAWS = "nsnsnnnnsnssnsnsssnssssnn"


def test_quiz_00_whole_test_figures_are_moodles():
    # Moodle's expected values: check_quiz_stats_for_quiz_00 in stats_from_steps_walkthrough_test.php.
    stats = exam_statistics.test_statistics(QUIZ_00)
    expected = {
        "median": 4.5,
        "mean": 4.617333332,
        "standard_deviation": 0.8117265554,
        "skewness": -0.092502502,
        "kurtosis": -0.7073968557,
        "cronbach_alpha": -87.2230935542,
        "error_ratio": 136.8294900795,
        "standard_error": 1.1106813066,
    }
    assert {name: getattr(stats, name) for name in expected} == pytest.approx(expected, rel=1e-9)


def test_quiz_00_fixed_slots_are_moodles_and_a_drawn_question_is_against_the_whole_total():
    # Moodle's qstats00.csv: facility (x 100 here), discrimination index, discriminative efficiency of
    # each slot, all against the rest of the test.
    moodle = [
        (70.4, -7.0650767526, -9.4550536967),
        (48, -28.8982125772, -36.7834118938),
        (97.3333332, -9.1230674268, -21.6545012165),
        (68, -22.6306444113, -31.4411395613),
        (52, -17.6997047674, -21.1794802584),
        (64, -45.3785178421, -56.9365974439),
        (62, -5.6543166602, -6.5043742058),
    ]
    mine = [
        (stats.facility, stats.discrimination, stats.discriminative_efficiency)
        for stats in item_statistics(QUIZ_00, [1] * 7)
    ]
    assert mine == [pytest.approx(row, rel=1e-8) for row in moodle]
    # The numerical question slot 1 drew, on 12 papers: against the whole total as Moodle computes it,
    # positive; against the rest of the test it would be negative.
    had = [row for row, draw in zip(QUIZ_00, QUIZ_00_SLOT_1_DRAWS, strict=True) if draw == "n"]
    marks, totals = [row[0] for row in had], [math.fsum(row) for row in had]
    numerical = question_statistics(marks, totals, 1)
    assert len(had) == 12 and numerical.discrimination == pytest.approx(100 * correlation(marks, totals))
    rests = [total - mark for total, mark in zip(totals, marks, strict=True)]
    assert numerical.discrimination > 0 > question_statistics(marks, rests, 1).discrimination


def test_histogram_bands_are_half_open_except_the_top_one():
    # 10 bands of a 10-mark test, each 1 mark wide: [0,1) [1,2) ... [8,9) [9,10].
    # 0 and 0.99 -> band 0; 1 -> band 1 (lower edge belongs to the upper band); 5 -> band 5;
    # 9.99 and the perfect 10 -> band 9.
    assert histogram([0, 0.99, 1, 5, 9.99, 10], 10) == [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]


def test_histogram_with_fewer_bands():
    # 4 bands of 20 marks, 5 wide: [0,5) [5,10) [10,15) [15,20].
    # 0, 4.9 | 5 | 10, 14.99 | 15, 20
    assert histogram([0, 4.9, 5, 10, 14.99, 15, 20], 20, bins=4) == [2, 1, 2, 2]


def test_histogram_band_edge_survives_floating_point():
    # 0.7 of 1 in tenths is band 7, although 0.7 / 0.1 == 6.999... in binary floating point.
    assert histogram([0.7], 1) == [0, 0, 0, 0, 0, 0, 0, 1, 0, 0]


def test_histogram_of_no_totals_is_all_zero():
    assert histogram([], 100, bins=5) == [0, 0, 0, 0, 0]


@pytest.mark.parametrize(
    ("totals", "max_total", "bins"),
    [([-1], 10, 10), ([10.5], 10, 10), ([1], 0, 10), ([1], 10, 0)],
)
def test_histogram_refuses_totals_outside_the_range_and_empty_ranges(totals, max_total, bins):
    with pytest.raises(ValueError):
        histogram(totals, max_total, bins)
