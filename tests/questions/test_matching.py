from studyhall.questions.matching import blanks_correct, comparable_text, normalise_answer


def test_blank_answers_ignore_surrounding_spaces_width_and_latin_case():
    assert normalise_answer("  ＡＢＣ　") == normalise_answer("abc")
    assert blanks_correct([" 4月15日 ", "Ｇｄｐ"], [["4月15日"], ["GDP"]]) == [True, True]


def test_case_matters_when_the_question_says_so():
    assert blanks_correct(["gdp"], [["GDP"]], case_sensitive=True) == [False]
    assert blanks_correct(["ＧＤＰ"], [["GDP"]], case_sensitive=True) == [True]


def test_each_blank_accepts_its_alternatives_and_an_empty_answer_is_wrong():
    accepted = [["总体国家安全观"], ["人民安全", "人民的安全"]]
    assert blanks_correct(["总体国家安全观", "人民的安全"], accepted) == [True, True]
    assert blanks_correct(["", "人民安全"], accepted) == [False, True]
    assert blanks_correct(["总体国家安全观"], accepted) == [True, False]


def test_inner_spaces_still_count():
    assert blanks_correct(["A B"], [["AB"]]) == [False]


def test_comparable_text_drops_punctuation_width_and_blank_marks():
    assert comparable_text("每年（ ）为全民国家安全教育日。") == comparable_text(
        "每年____为全民国家安全教育日"
    )


def test_blank_answers_ignore_punctuation_typed_around_them_but_not_within():
    assert blanks_correct(["宏观调控。", "“宪法”", "（一）"], [["宏观调控"], ["宪法"], ["(一)"]]) == [
        True,
        True,
        True,
    ]
    assert blanks_correct(["宏观，调控", "。", "3.5"], [["宏观调控"], ["。"], ["35"]]) == [
        False,
        False,
        False,
    ]
