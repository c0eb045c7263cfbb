"""每日答题, the week's and topic sets, the challenge and the wrong-answer book (错题本)."""
