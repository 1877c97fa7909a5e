"""Running a labelled question set (``must``/``must_not`` regexes on the answer text)."""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Case:
    id: str
    kind: str
    q: str
    must: tuple[str, ...]
    must_not: tuple[str, ...]
    style: str = ""          # how it is written (long_context, english, …), when the set says


@dataclass(frozen=True)
class Failure:
    case: Case
    answer: str
    reasons: tuple[str, ...]
    match: str | None = None     # what the engine answered (FAQ id or intent), if known


@dataclass
class EvalResult:
    total: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    passed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    failures: list[Failure] = field(default_factory=list)
    style_total: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    style_passed: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def accuracy(self) -> float:
        n = sum(self.total.values())
        return sum(self.passed.values()) / n if n else 0.0

    def kind_accuracy(self, kind: str) -> float:
        return self.passed[kind] / self.total[kind] if self.total[kind] else 0.0

    def confusion(self) -> Counter[tuple[str, str]]:
        """(asked kind, answered topic) for every failed question: what curators should fix.
        "unknown" means the engine said it did not know."""
        return Counter((f.case.kind, f.match or "unknown") for f in self.failures)

    def report(self) -> str:
        lines = [f"{'kind':<22}{'passed':>8}{'total':>8}{'accuracy':>10}"]
        for kind in sorted(self.total):
            lines.append(f"{kind:<22}{self.passed[kind]:>8}{self.total[kind]:>8}"
                         f"{self.kind_accuracy(kind):>10.1%}")
        n = sum(self.total.values())
        lines.append(f"{'overall':<22}{sum(self.passed.values()):>8}{n:>8}{self.accuracy:>10.1%}")
        if self.style_total:
            lines += ["", f"{'style':<22}{'passed':>8}{'total':>8}{'accuracy':>10}"]
            for style in sorted(self.style_total):
                total, passed = self.style_total[style], self.style_passed[style]
                lines.append(f"{style:<22}{passed:>8}{total:>8}{passed / total:>10.1%}")
        if self.failures:
            lines += ["", "confusion (asked kind -> answered topic: failed questions)"]
            for (kind, match), count in sorted(self.confusion().items(),
                                               key=lambda kv: (-kv[1], kv[0])):
                lines.append(f"  {kind} -> {match}: {count}")
        for f in self.failures:
            lines.append("")
            lines.append(f"FAIL {f.case.id} [{f.case.kind}] {f.case.q}")
            lines += [f"  - {r}" for r in f.reasons]
            lines += ["  | " + line for line in f.answer.splitlines()]
        return "\n".join(lines)


def load_cases(path: Path) -> list[Case]:
    """Read a JSONL set; a bad line or regex is reported with file and line."""
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            case = Case(str(raw.get("id", number)), str(raw.get("kind", "unknown")), str(raw["q"]),
                        tuple(raw.get("must", [])), tuple(raw.get("must_not", [])),
                        str(raw.get("style", "")))
            for pattern in (*case.must, *case.must_not):
                re.compile(pattern)
        except (ValueError, KeyError, TypeError, re.error) as exc:
            raise ValueError(f"{path}:{number}: {exc}") from exc
        cases.append(case)
    return cases


def judge(case: Case, answer: str) -> tuple[str, ...]:
    """Reasons the answer fails the case (empty when it passes)."""
    reasons = [f"missing /{p}/" for p in case.must if not re.search(p, answer)]
    reasons += [f"forbidden /{p}/" for p in case.must_not if re.search(p, answer)]
    return tuple(reasons)


def evaluate(cases: Iterable[Case],
             answer: Callable[[str], str] | Callable[[str], tuple[str, str | None]]) -> EvalResult:
    """Judge every case; ``answer`` returns the reply text, or (text, what it answered)."""
    result = EvalResult()
    for case in cases:
        reply = answer(case.q)
        text, match = reply if isinstance(reply, tuple) else (reply, None)
        reasons = judge(case, text)
        result.total[case.kind] += 1
        if case.style:
            result.style_total[case.style] += 1
        if reasons:
            result.failures.append(Failure(case, text, reasons, match))
        else:
            result.passed[case.kind] += 1
            if case.style:
                result.style_passed[case.style] += 1
    return result
