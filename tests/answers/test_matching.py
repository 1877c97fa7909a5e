"""The name and topic indexes: same matches with their per-word memory, and that memory bounded."""
from __future__ import annotations

from bot.answers import phrases, topics
from bot.answers.normalize import tokens
from bot.answers.phrases import PhraseIndex
from bot.answers.topics import TopicWords


def test_phrase_index_finds_inflections_and_remembers_each_word_once() -> None:
    index = PhraseIndex([("Kenya", "KE"), ("Syd Afrika", "ZA")])
    for _ in range(2):                      # second pass answers from memory
        found = index.find(tokens("Kenyas kommuner och sydafrika"))
        assert [(f.value, f.start) for f in found] == [("KE", 0), ("ZA", 3)]


def test_topic_words_match_the_same_from_memory() -> None:
    words = TopicWords([("medfinansier", "money"), ("lön", "pay")])
    for _ in range(2):
        hits = words.find(tokens("Krävs medfinansieringen och vilka löner?"))
        assert {h.value for h in hits} == {"money", "pay"}


def test_word_memory_stays_bounded_under_a_flood_of_new_words(monkeypatch) -> None:
    monkeypatch.setattr(phrases, "_MEMO_SIZE", 100)
    monkeypatch.setattr(topics, "_MEMO_SIZE", 100)
    index = PhraseIndex([("Kenya", "KE")])
    words = TopicWords([("medfinansier", "money")])
    flood = [f"ord{n}" for n in range(1_000)] + ["x" * 400]
    for word in flood:
        index.lookup_word(word)
        words.find([word])
    assert len(index._one_word) <= 100 and len(words._word_hits) <= 100
    assert "x" * 400 not in index._one_word and "x" * 400 not in words._word_hits
    assert index.lookup_word("kenyas") == "KE"
