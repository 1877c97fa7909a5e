"""The `partnerbot` command line as an operator or a script uses it."""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from bot.cli import main
from tests.support import ROOT

NOW = "2020-03-01T10:00"


def test_ask_prints_the_answer_as_a_user_reads_it(capsys) -> None:
    assert main(["ask", "när stänger ansökan?", "--now", NOW]) == 0
    out = capsys.readouterr().out
    assert "15 mars 2020" in out and "14 dagar kvar" in out and "<" not in out


def test_ask_json_has_the_documented_fields(capsys) -> None:
    assert main(["ask", "Kan vi samarbeta med Norge?", "--json", "--now", NOW]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"q", "answer", "match", "confidence", "suggestions", "sources"}
    assert result["match"] == "country" and result["answer"].startswith("Nej")


def test_unknown_question_has_null_match(capsys) -> None:
    assert main(["ask", "vem vann melodifestivalen", "--json", "--now", NOW]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["match"] is None and "icld.se" in result["answer"]


def test_batch_keeps_order_and_accepts_text_and_json(tmp_path: Path, capsys) -> None:
    batch = tmp_path / "q.txt"
    lines = ["kenya?", json.dumps({"q": "Norge?"}), "", "deadline", json.dumps({"q": "hej"})]
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["ask", "--batch", str(batch), "--now", NOW]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["q"] for r in rows] == ["kenya?", "Norge?", "", "deadline", "hej"]
    assert [r["match"] for r in rows] == ["country", "country", "empty", "deadline", "greeting"]


def test_bad_now_is_a_clear_usage_error(capsys) -> None:
    try:
        main(["ask", "hej", "--now", "igår"])
    except SystemExit as exc:
        assert exc.code == 2
    assert "igår" in capsys.readouterr().err


def test_chat_with_piped_input_answers_one_line_each() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("TELEGRAM_BOT_TOKEN", None)
    result = subprocess.run([sys.executable, "-m", "bot", "chat", "--now", NOW],
                            input="Kan vi samarbeta med Kenya?\nfår ett företag söka\n",
                            capture_output=True, text=True, env=env, timeout=60, cwd=ROOT)
    assert result.returncode == 0
    answers = [a for a in result.stdout.split("\n\n") if a.strip()]
    assert answers[0].startswith("Ja! Kenya") and answers[1].startswith("Nej, företag")


def test_start_without_token_opens_the_terminal_chat(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("TELEGRAM_BOT_TOKEN", None)
    result = subprocess.run([sys.executable, "-m", "bot", "start"], input="hej\n",
                            capture_output=True, text=True, env=env, timeout=60, cwd=tmp_path)
    assert result.returncode == 0
    assert "terminalchatten" in result.stderr and "Partnerbot" in result.stdout


def test_run_refuses_invalid_knowledge(knowledge_copy: Path, tmp_path: Path) -> None:
    (knowledge_copy / "faq.yaml").write_text("entries: [\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT), TELEGRAM_BOT_TOKEN="123456:" + "A" * 35,
               PARTNERBOT_KNOWLEDGE=str(knowledge_copy), PARTNERBOT_DB=str(tmp_path / "x.db"))
    result = subprocess.run([sys.executable, "-m", "bot", "run"], capture_output=True, text=True,
                            env=env, timeout=60, cwd=tmp_path)
    assert result.returncode == 2 and "faq.yaml:" in result.stderr and "not starting" in result.stderr
    assert "A" * 35 not in result.stderr + result.stdout
    assert not (tmp_path / "x.db").exists()


def test_python_dash_m_bot_is_the_same_cli() -> None:
    out = io.StringIO()
    result = subprocess.run([sys.executable, "-m", "bot", "--help"], capture_output=True,
                            text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=60)
    out.write(result.stdout)
    assert result.returncode == 0 and "send-reminders" in out.getvalue()


def test_knowledge_option_works_after_the_subcommand(knowledge_copy, tmp_path, capsys) -> None:
    assert main(["check", "--knowledge", str(knowledge_copy)]) == 0
    assert str(knowledge_copy) in capsys.readouterr().out
    assert main(["check", "--knowledge", str(tmp_path / "nowhere")]) == 2
    assert main(["--knowledge", str(tmp_path / "nowhere"), "check"]) == 2
    assert main(["ask", "--knowledge", str(knowledge_copy), "Kan vi samarbeta med Kenya?"]) == 0
    assert "Kenya" in capsys.readouterr().out


def test_eval_prints_a_confusion_summary_for_curators(tmp_path, capsys) -> None:
    cases = tmp_path / "set.jsonl"
    cases.write_text(
        '{"id": "a", "kind": "deadline", "style": "plain", "q": "Kan vi samarbeta med Kenya?", '
        '"must": ["15 mars"], "must_not": []}\n'
        '{"id": "b", "kind": "country_yes", "style": "plain", "q": "Kenya?", "must": ["Kenya"]}\n',
        encoding="utf-8")
    assert main(["eval", str(cases), "--now", "2020-02-20"]) == 0
    out = capsys.readouterr().out
    assert "deadline -> country: 1" in out
    assert re.search(r"(?m)^plain\s+1\s+2\s+50.0%", out)


def test_ask_json_quotes_the_announcement_for_facts_and_nothing_for_the_unknown(capsys) -> None:
    announcement = " ".join((ROOT / "knowledge" / "announcement.txt").read_text(encoding="utf-8").split())
    facts = ["Kan vi samarbeta med Kenya?", "när stänger ansökan?", "får en region söka?",
             "vilka är kärnområdena?", "vad kan samarbetet handla om?", "vem finansierar?",
             "hur hänger det ihop med Agenda 2030?", "vilken kommun nämns som exempel?"]
    for question in facts:
        assert main(["ask", question, "--json", "--now", NOW]) == 0
        sources = json.loads(capsys.readouterr().out)["sources"]
        assert sources, question
        assert all(" ".join(s.split()) in announcement for s in sources), question
    for question in ("vad kostar det för kommunen?", "när hämtas soporna i Ale?"):
        assert main(["ask", question, "--json", "--now", NOW]) == 0
        assert json.loads(capsys.readouterr().out)["sources"] == []


def test_chat_shows_the_source_on_request() -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "chat", "--now", NOW],
                            input="Kan vi samarbeta med Kenya?\n/kalla\n", capture_output=True,
                            text=True, cwd=ROOT, timeout=60)
    assert "Ur utlysningen ”Stärk arbetet med Agenda 2030" in result.stdout
    assert "> Bosnien och Hercegovina, Georgien" in result.stdout
