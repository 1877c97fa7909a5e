"""Answer speed of the engine next to the floor: one raw rapidfuzz extractOne over all phrasings.

Targets (2-core machine): p99 <= 1 ms per question, >= 5,000 questions/s in one process,
knowledge load <= 300 ms, RSS <= 80 MB. Also the worst case: 100 KB of input (target <= 5 ms).
Run: .venv/bin/python bench/answer_speed.py [--rounds N]
"""
from __future__ import annotations

import argparse
import gc
import time

from _common import labelled_questions, peak_rss_mb, percentile

from rapidfuzz import fuzz, process


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=50, help="passes over the question mix")
    args = parser.parse_args()

    started = time.perf_counter()
    from bot.clock import system_clock
    from bot.answers.engine import Engine
    from bot.knowledge.loader import load_knowledge
    knowledge = load_knowledge()
    engine = Engine(knowledge)
    load_ms = (time.perf_counter() - started) * 1000

    now = system_clock()
    mix = [case["q"] for case in labelled_questions()]
    mix += ["", "😀" * 50, "hej", "x" * 2000]
    phrasings = [q for e in knowledge.faq for q in (*e.questions, *e.questions_en)]

    for q in mix:                       # warm caches, as a running bot would be
        engine.answer_question(q, now)
    gc.collect()

    def timed(fn) -> tuple[list[float], float]:
        samples = []
        t0 = time.perf_counter()
        for _ in range(args.rounds):
            for q in mix:
                s = time.perf_counter()
                fn(q)
                samples.append(time.perf_counter() - s)
        return sorted(samples), time.perf_counter() - t0

    engine_samples, engine_total = timed(lambda q: engine.answer_question(q, now))
    floor_samples, floor_total = timed(
        lambda q: process.extractOne(q, phrasings, scorer=fuzz.WRatio))

    worst_inputs = ["😀" * 10_000, "a" * 100_000, "kenya " * 20_000, "<b>" * 30_000]
    worst = []
    for q in worst_inputs:
        s = time.perf_counter()
        engine.answer_question(q, now)
        worst.append((time.perf_counter() - s) * 1000)

    n = len(engine_samples)
    rate = n / engine_total
    floor_rate = len(floor_samples) / floor_total
    print(f"questions timed           {n} ({len(mix)} distinct x {args.rounds} rounds)")
    print(f"engine    answers/s       {rate:,.0f}   (target >= 5,000)")
    print(f"engine    p50 / p99       {percentile(engine_samples, 50) * 1e3:.3f} / "
          f"{percentile(engine_samples, 99) * 1e3:.3f} ms   (target p99 <= 1 ms)")
    print(f"floor     answers/s       {floor_rate:,.0f}   (raw rapidfuzz extractOne, WRatio, "
          f"{len(phrasings)} phrasings)")
    print(f"floor     p50 / p99       {percentile(floor_samples, 50) * 1e3:.3f} / "
          f"{percentile(floor_samples, 99) * 1e3:.3f} ms")
    print(f"ratio     engine/floor    {rate / floor_rate:.2f}x throughput")
    print(f"worst case (100 KB etc.)  max {max(worst):.3f} ms   (target <= 5 ms)")
    print(f"knowledge load            {load_ms:.0f} ms   (target <= 300 ms, includes imports)")
    print(f"peak RSS                  {peak_rss_mb():.1f} MB   (target <= 80 MB)")


if __name__ == "__main__":
    main()
