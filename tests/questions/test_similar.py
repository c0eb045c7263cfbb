"""Near-duplicate search finds every pair that comparing each pair would: a missed pair is a key
shown while a test may ask its twin."""

from __future__ import annotations

import random

from studyhall.questions.similar import grams, similar_pairs


def each_pair(texts: list[str], threshold: float) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    sets = [grams(text) for text in texts]
    for i, mine in enumerate(sets):
        for j, theirs in enumerate(sets):
            shared = len(mine & theirs)
            if i != j and shared >= threshold * (len(mine) + len(theirs) - shared) - 1e-9:
                found.setdefault(i, []).append(j)
    return found


def variants(rng: random.Random, count: int) -> list[str]:
    """Texts from a small alphabet, many of them a few edits away from an earlier one."""
    alphabet = "国家安全法宪人民检察院的是"
    texts: list[str] = []
    for _ in range(count):
        if texts and rng.random() < 0.6:
            text = list(rng.choice(texts))
            for _edit in range(rng.randint(0, 4)):
                spot = rng.randrange(len(text) + 1)
                if rng.random() < 0.5 and text:
                    del text[min(spot, len(text) - 1)]
                else:
                    text.insert(spot, rng.choice(alphabet))
            texts.append("".join(text))
        else:
            texts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))))
    return texts


def test_every_pair_at_or_above_the_threshold_is_found_and_no_other():
    texts = variants(random.Random(20261208), 400)
    for threshold in (0.5, 0.7, 0.8, 1.0):
        assert similar_pairs(texts, threshold) == each_pair(texts, threshold), threshold


def test_a_share_of_exactly_the_threshold_counts():
    # 10 triples each, 7 of them shared would be 7/13; 17 shared of 17 and 20: 17/20 = 0.85 exactly.
    base = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申"  # 17 triples
    longer = base + "酉戌亥"  # 20 triples, all of base's among them
    assert similar_pairs([base, longer], 0.85) == {0: [1], 1: [0]}
    assert similar_pairs([base, longer], 0.86) == {}
