"""The engine's accuracy on the labelled set next to two plain baselines, in the same run.

Baselines retrieve over the same FAQ phrasings and answer with the best entry's answer (or the
same honest "I don't know" when they find nothing): rapidfuzz WRatio on lower-cased text, and
BM25 (rank_bm25.BM25Okapi) on lower-cased word tokens. Also measures the effect of Snowball
stemming on the engine (stemming is swapped in for the engine's light stemmer).
Run: .venv/bin/python bench/accuracy_vs_baselines.py
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from _common import LABELLED

from bot.clock import STOCKHOLM
from bot.answers.engine import Engine
from bot.answers.evaluation import EvalResult, evaluate, load_cases
from bot.knowledge.loader import load_knowledge

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=STOCKHOLM)
OPEN = datetime(2020, 2, 20, 10, 0, tzinfo=STOCKHOLM)      # the blind sets: the call open
WRATIO_CUTOFF = 60


def baseline_wratio(engine: Engine) -> Callable[[str], str]:
    from rapidfuzz import fuzz, process
    choices, owners = _phrasings(engine)
    lowered = [c.lower() for c in choices]

    def answer(q: str) -> str:
        hit = process.extractOne(q.lower(), lowered, scorer=fuzz.WRatio, score_cutoff=WRATIO_CUTOFF)
        return engine.render(owners[hit[2]], "sv", NOW) if hit else engine.unknown().text
    return answer


def baseline_bm25(engine: Engine) -> Callable[[str], str]:
    from rank_bm25 import BM25Okapi
    choices, owners = _phrasings(engine)
    split = re.compile(r"\w+")
    bm25 = BM25Okapi([split.findall(c.lower()) for c in choices])

    def answer(q: str) -> str:
        scores = bm25.get_scores(split.findall(q.lower()))
        best = max(range(len(scores)), key=scores.__getitem__) if len(scores) else None
        if best is None or scores[best] <= 0:
            return engine.unknown().text
        return engine.render(owners[best], "sv", NOW)
    return answer


def _phrasings(engine: Engine):
    choices, owners = [], []
    for entry in engine.knowledge.faq:
        for q in (*entry.questions, *entry.questions_en):
            choices.append(q)
            owners.append(entry)
    return choices, owners


def snowball_engine(knowledge) -> Engine:
    import snowballstemmer

    import bot.answers.retrieval as retrieval
    stemmer = snowballstemmer.stemmer("swedish")
    original = retrieval.stem
    retrieval.stem = lambda w: stemmer.stemWord(w)
    try:
        return Engine(knowledge)
    finally:
        retrieval.stem = original


def main() -> None:
    cases = load_cases(LABELLED)
    knowledge = load_knowledge()
    engine = Engine(knowledge)
    systems: dict[str, Callable[[str], str]] = {
        "Partnerbot engine": lambda q: engine.answer_question(q, NOW).text,
        "rapidfuzz WRatio": baseline_wratio(engine),
        "BM25 (rank_bm25)": baseline_bm25(engine),
    }
    import bot.answers.retrieval as retrieval
    snow = snowball_engine(knowledge)
    import snowballstemmer
    stemmer = snowballstemmer.stemmer("swedish")

    def with_snowball(q: str) -> str:
        original = retrieval.stem
        retrieval.stem = lambda w: stemmer.stemWord(w)
        try:
            return snow.answer_question(q, NOW).text
        finally:
            retrieval.stem = original
    systems["engine + Snowball stemmer"] = with_snowball

    results: dict[str, EvalResult] = {name: evaluate(cases, fn) for name, fn in systems.items()}
    kinds = sorted({c.kind for c in cases})
    header = "| kind | n | " + " | ".join(results) + " |"
    print(f"Labelled set: {LABELLED.name}, {len(cases)} questions, now = {NOW.date()}\n")
    print(header)
    print("|" + "---|" * (len(results) + 2))
    for kind in kinds:
        n = results["Partnerbot engine"].total[kind]
        row = " | ".join(f"{r.kind_accuracy(kind):.0%}" for r in results.values())
        print(f"| {kind} | {n} | {row} |")
    overall = " | ".join(f"**{r.accuracy:.1%}**" for r in results.values())
    print(f"| **overall** | {len(cases)} | {overall} |")
    blind_sets(engine)


def blind_sets(engine: Engine) -> None:
    """The sets written blind to the FAQ (tests/data/README.md), judged with the call open."""
    print(f"\nBlind sets, now = {OPEN.date()} (tests/data/README.md says how each was measured)\n")
    print("| set | n | engine | worst kinds |")
    print("|---|---|---|---|")
    for name in ("blind_tune", "blind_heldout", "blind_chat_c", "blind_chat_d", "blind_chat_e",
                 "blind_chat_f", "blind_chat_g", "blind_chat_h", "blind_chat_i", "blind_chat_j",
                 "blind_chat_k2", "blind_chat_k1", "blind_chat_l", "blind_chat_m",
                 "blind_chat_n"):
        cases = load_cases(LABELLED.parent / f"{name}.jsonl")
        result = evaluate(cases, lambda q: engine.answer_question(q, OPEN).text)
        worst = sorted(result.total, key=result.kind_accuracy)[:2]
        kinds = ", ".join(f"{k} {result.kind_accuracy(k):.0%}" for k in worst)
        print(f"| {name} | {len(cases)} | {result.accuracy:.1%} | {kinds} |")


if __name__ == "__main__":
    main()
