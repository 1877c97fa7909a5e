"""Accuracy on the labelled sets, through the same logic as `partnerbot eval`."""
from __future__ import annotations

import pytest

from bot.answers.evaluation import evaluate, load_cases
from tests.conftest import AFTER_DEADLINE, ROOT, SHARED

OWN_SET = ROOT / "tests" / "data" / "labelled_questions.jsonl"
SHARED_SET = SHARED / "eval" / "dev_questions.jsonl"


def _run(engine, path):
    return evaluate(load_cases(path), lambda q: engine.answer_question(q, AFTER_DEADLINE).text)


def test_own_labelled_set(engine) -> None:
    cases = load_cases(OWN_SET)
    assert len(cases) >= 250
    result = _run(engine, OWN_SET)
    assert result.kind_accuracy("country_yes") == 1.0, result.report()
    assert result.kind_accuracy("country_no") == 1.0, result.report()
    assert result.accuracy >= 0.97, result.report()


@pytest.mark.skipif(not SHARED_SET.exists(), reason="shared/ sample not present")
def test_shared_sample(engine) -> None:
    result = _run(engine, SHARED_SET)
    assert result.accuracy == 1.0, result.report()


def test_eval_command_exit_status(tmp_path, capsys) -> None:
    from bot.cli import main
    bad = tmp_path / "set.jsonl"
    bad.write_text('{"id": "x", "kind": "k", "q": "hej", "must": ["zzz-never"], "must_not": []}\n',
                   encoding="utf-8")
    assert main(["eval", str(bad), "--min", "0.5"]) == 1
    assert "FAIL x" in capsys.readouterr().out
    assert main(["eval", str(bad), "--min", "0"]) == 0
