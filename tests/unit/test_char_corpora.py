"""Character corpora: the bracket language's exact entropy against empirical estimates, the bundled texts, and
every kind of bad upload refused with a message saying what to change."""

from __future__ import annotations

import math
import random
from collections import Counter

import numpy as np
import pytest

from rnnviz.charlm.brackets import BracketLanguage
from rnnviz.charlm.corpora import (
    MAX_CORPUS_CHARS,
    MAX_UPLOAD_BYTES,
    MAX_VOCAB,
    brackets_corpus,
    prose_corpus,
    python_source_corpus,
    upload_corpus,
)

#: A long sample: the empirical estimates below have a standard error of about 0.003 nats at this length.
SAMPLE = 200_000


@pytest.fixture(scope="module")
def language_and_sample() -> tuple[BracketLanguage, str]:
    language = BracketLanguage()
    return language, language.generate(SAMPLE, seed=3)


def test_entropy_matches_the_true_model_cross_entropy_on_a_long_sample(language_and_sample):
    language, text = language_and_sample
    exact = language.entropy_per_char()
    assert 1.5 < exact < 2.2 and math.isclose(language.perplexity_bound(), math.exp(exact))
    assert abs(language.cross_entropy(text) - exact) < 0.01  # -mean log P(char | stack), true probabilities


def test_entropy_matches_a_plug_in_estimate_from_counts(language_and_sample):
    """H(next | depth, top of stack) estimated from counts alone, without the generator's probabilities."""
    language, text = language_and_sample
    contexts = Counter()
    pairs = Counter()
    for stack, char in zip(language.stacks(text), text, strict=True):
        context = (len(stack), stack[-1:])
        contexts[context] += 1
        pairs[context, char] += 1
    plug_in = -sum(n / len(text) * math.log(n / contexts[context]) for (context, _), n in pairs.items())
    assert abs(plug_in - language.entropy_per_char()) < 0.01


def test_depth_distribution_is_stationary_and_matches_the_sample(language_and_sample):
    language, text = language_and_sample
    pi = language.depth_distribution()
    assert pi.shape == (5,) and math.isclose(pi.sum(), 1.0)
    assert np.allclose(pi[1:] / pi[:-1], language.p_open / language.p_close)  # detailed balance
    depths = np.bincount([len(s) for s in language.stacks(text)], minlength=5) / len(text)
    assert np.abs(depths - pi).max() < 0.02


def test_generated_text_is_well_formed_and_reproducible(language_and_sample):
    language, text = language_and_sample
    stack = []
    for char in text:
        if char in "([":
            stack.append(char)
            assert len(stack) <= language.max_depth
        elif char in ")]":
            assert stack and {"(": ")", "[": "]"}[stack.pop()] == char  # closers always match
        elif char == "\n":
            assert not stack  # newlines only at depth 0
        else:
            assert char in language.letters
    assert language.generate(500, seed=3) == text[:500] and language.generate(500, seed=4) != text[:500]


def test_next_char_probabilities_and_bad_parameters():
    language = BracketLanguage()
    for stack in ("", "(", "([", "[[[(", "(((("):
        probabilities = language.next_char_probabilities(stack)
        assert math.isclose(sum(probabilities.values()), 1.0)
        assert ("\n" in probabilities) == (stack == "")
        assert ("(" in probabilities) == (len(stack) < 4)
    assert ")" in language.next_char_probabilities("[(") and "]" not in language.next_char_probabilities("[(")
    with pytest.raises(ValueError, match="stack"):
        language.next_char_probabilities("(((((")
    with pytest.raises(ValueError, match="p_close"):
        BracketLanguage(p_close=1.5)
    with pytest.raises(ValueError, match="below 1"):
        BracketLanguage(p_open=0.6, p_close=0.5)
    with pytest.raises(ValueError, match="letters"):
        BracketLanguage(letters="a(")


def test_bundled_corpora_need_no_download():
    brackets = brackets_corpus(5_000)
    assert brackets.size == 5_000 and brackets.entropy_per_char == pytest.approx(BracketLanguage().entropy_per_char())
    for corpus in (python_source_corpus(), prose_corpus()):
        assert 100_000 < corpus.size <= 200_000 and corpus.entropy_per_char is None
        assert 40 < corpus.vocabulary.size < 200
    assert "def " in python_source_corpus().text and "The " in prose_corpus().text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        (b"  \n\t ", "is empty"),
        (b"GIF89a\x00\x01\x02" * 50, "looks binary"),
        (bytes(range(1, 32)) * 20, "looks binary"),
        ("café au lait ".encode("latin-1") * 20, "not UTF-8 text: byte 0xe9 at position 3"),
        (b"a" * 500, "single distinct character"),
        (b"hello", "only 5 characters"),
        (b"x" * (MAX_UPLOAD_BYTES + 1), "upload at most 8 MB"),
    ],
    ids=["empty", "blank", "binary-nul", "binary-controls", "latin-1", "one-character", "too-short", "huge"],
)
def test_bad_uploads_say_what_to_change(data, message):
    with pytest.raises(ValueError, match=message) as error:
        upload_corpus("song.txt", data)
    assert "'song.txt'" in str(error.value)
    assert any(word in str(error.value) for word in ("upload", "Upload", "Save"))


def test_chinese_text_with_thousands_of_characters_works():
    rng = random.Random(0)
    common = [chr(0x4E00 + i) for i in range(3_000)]
    text = "".join(rng.choice(common) + ("。" if i % 20 == 19 else "") for i in range(60_000))
    corpus = upload_corpus("小说.txt", text.encode("utf-8"))
    assert corpus.size == len(text) and 3_000 <= corpus.vocabulary.size <= MAX_VOCAB
    assert corpus.vocabulary.decode(corpus.vocabulary.encode(text[:500])) == text[:500]


def test_long_uploads_are_cut_with_a_note_and_a_bom_is_dropped():
    corpus = upload_corpus("book.txt", "\ufeff".encode() + b"ab\n" * (MAX_CORPUS_CHARS // 2))
    assert corpus.size == MAX_CORPUS_CHARS and corpus.text.startswith("ab\n")
    assert corpus.notes and f"first {MAX_CORPUS_CHARS:,}" in corpus.notes[0]
    with pytest.raises(ValueError, match="distinct characters; at most"):
        upload_corpus("all.txt", "".join(chr(0x4E00 + i) for i in range(MAX_VOCAB + 1)).encode("utf-8"))
