"""Which texts are nearly the same: the overlap of their character triples (Jaccard).

Comparing every pair is quadratic (10,000 questions make 50 million pairs). Prefix filtering finds
every pair at or above the threshold without that: two sets sharing a share t of their union share
at least ⌈t·n⌉ of each one's n members, so, with every set's members in one order (rarest first),
their first n − ⌈t·n⌉ + 1 members have one in common. Only texts whose prefixes meet are compared,
and rare triples keep those meetings few. No pair is missed, which matters where a missed pair is a
key shown while a test may ask it.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence


def grams(text: str) -> frozenset[str]:
    """Character triples: distinctive enough in Chinese that unrelated questions share few."""
    return frozenset(text[i : i + 3] for i in range(max(1, len(text) - 2)))


def similar_pairs(texts: Sequence[str], threshold: float) -> dict[int, list[int]]:
    """For each text (by index) that has any, the indices of the others whose triples overlap
    its own by at least `threshold` of their union, in increasing order."""
    sets = [grams(text) for text in texts]
    rarity = Counter(gram for members in sets for gram in members)
    prefixes: dict[str, list[int]] = defaultdict(list)
    found: dict[int, list[int]] = defaultdict(list)
    for index, members in enumerate(sets):
        size = len(members)
        # The small allowance keeps 0.7 × 10 = 7.000000000000001 from needing 8 in common.
        needed = math.ceil(threshold * size - 1e-9)
        prefix = sorted(members, key=lambda gram: (rarity[gram], gram))[: size - needed + 1]
        candidates = {other for gram in prefix for other in prefixes[gram]}
        for other in sorted(candidates):
            theirs = sets[other]
            # The share can reach the threshold only if the sizes are close enough.
            if min(size, len(theirs)) < threshold * max(size, len(theirs)) - 1e-9:
                continue
            shared = len(members & theirs)
            if shared >= threshold * (size + len(theirs) - shared) - 1e-9:
                found[index].append(other)
                found[other].append(index)
        for gram in prefix:
            prefixes[gram].append(index)
    return {index: sorted(others) for index, others in found.items()}
