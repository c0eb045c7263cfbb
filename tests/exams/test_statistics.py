"""Item and test statistics, checked against figures worked out by hand.

Every expected value below is derived in the comments beside it, the way Moodle's quiz statistics
report computes it (sample variances, divisor s - 1 = 4 for five attempts), so a reader can redo the
arithmetic with a pencil.
"""

from __future__ import annotations

import math

import pytest

from studyhall.exams import statistics as exam_statistics
from studyhall.exams.statistics import ItemStatistics, histogram, item_statistics

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


def test_single_attempt_has_facility_but_nothing_that_needs_a_spread():
    # One attempt 1,0,2 of 1,1,2: facilities 1/1, 0/1, 2/2.
    assert item_statistics([[1, 0, 2]], MAX_SCORES) == [spreadless(100), spreadless(0), spreadless(100)]
    assert exam_statistics.test_statistics([[1, 0, 2]]) == exam_statistics.TestStatistics(
        attempts=1, mean=3, median=3, standard_deviation=None, cronbach_alpha=None
    )


def test_no_attempts_give_no_statistics():
    assert item_statistics([], [1, 2]) == [spreadless(None), spreadless(None)]
    assert exam_statistics.test_statistics([]) == exam_statistics.TestStatistics(
        attempts=0, mean=None, median=None, standard_deviation=None, cronbach_alpha=None
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
        item_statistics([[1, 0, 2], [1, 0]], MAX_SCORES)
    with pytest.raises(ValueError, match="attempt 1"):
        exam_statistics.test_statistics([[1, 0, 2], [1, 0]])


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
