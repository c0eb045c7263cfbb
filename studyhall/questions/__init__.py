"""What a question is, below the banks that keep questions and the tests that ask them: its types
(types.py), its keys as people write them (answers.py) and how answers and stems compare
(matching.py)."""
