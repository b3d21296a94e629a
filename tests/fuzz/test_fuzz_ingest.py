"""The atheris target on the hostile corpus: each seed loads or gets one sentence, in-process."""

from __future__ import annotations

import pytest

from tests.data.hostile.corpus import CASES, Case
from tests.fuzz.fuzz_ingest import MAX_LEN, one_input, seeds


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_the_fuzz_target_accepts_every_corpus_seed(case: Case):
    outcome = one_input(case.make())
    if case.refused:
        assert outcome is not None and case.refused in outcome.lower(), outcome
    else:
        assert outcome is None


@pytest.mark.fuzz
def test_the_starting_corpus_is_the_hostile_corpus_within_the_length_limit():
    starting = seeds()
    assert starting and all(0 < len(s) <= MAX_LEN for s in starting)
    assert len(starting) >= len(CASES) // 2


@pytest.mark.fuzz
def test_a_few_mutations_of_each_seed_get_a_sentence_or_load():
    import random

    rng = random.Random(11)
    for seed in seeds():
        for _ in range(3):
            data = bytearray(seed)
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            outcome = one_input(bytes(data))
            assert outcome is None or isinstance(outcome, str)
