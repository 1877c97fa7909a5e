"""The ``partnerbot`` command line: ask, chat, check, eval, and the bot's operations."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from bot.answers.engine import Answer, Engine
from bot.clock import parse_now, system_clock
from bot.config import configured_knowledge_dir, token_is_set
from bot.knowledge.loader import load_knowledge
from bot.knowledge.model import Knowledge, KnowledgeError, knowledge_warnings

EXIT_INVALID_KNOWLEDGE = 2
# What the terminal says around the engine's answers, by the answer's language (the answers
# themselves, and every text of the Telegram bot, are in bot/answers/texts.py and
# bot/telegram/messages.py).
TERMINAL_WORDS: dict[str, dict[str, str]] = {
    "sv": {"did_you_mean": "Menade du:", "from": "Ur utlysningen",
           "no_quote": "Det svaret citerar inget ur utlysningen."},
    "en": {"did_you_mean": "Did you mean:", "from": "From the announcement",
           "no_quote": "That answer quotes nothing from the announcement."},
}


def _now_arg(value: str) -> datetime:
    try:
        return parse_now(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="partnerbot",
                                     description="Partnerbot: ICLD:s Kommunalt partnerskap i en chatt.")
    knowledge_help = "knowledge directory (default: bundled, or PARTNERBOT_KNOWLEDGE)"
    parser.add_argument("--knowledge", type=Path, help=knowledge_help)
    # Also accepted after the subcommand ("partnerbot check --knowledge DIR"); SUPPRESS keeps a
    # value given before the subcommand when none is given after it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--knowledge", type=Path, default=argparse.SUPPRESS, help=knowledge_help)
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=summary, parents=[common])

    now_help = "pretend the time is this ISO-8601 moment (naive = Europe/Stockholm)"

    ask = command("ask", "answer one question, or a batch file")
    ask.add_argument("question", nargs="?")
    ask.add_argument("--batch", type=Path, help="one question per line (text or JSON with \"q\")")
    ask.add_argument("--now", type=_now_arg, help=now_help)
    ask.add_argument("--json", action="store_true", help="print a JSON object")

    chat = command("chat", "chat in the terminal on the same engine")
    chat.add_argument("--now", type=_now_arg, help=now_help)

    command("check", "validate the knowledge files")

    ev = command("eval", "run a labelled question set")
    ev.add_argument("file", type=Path)
    ev.add_argument("--now", type=_now_arg, help=now_help)
    ev.add_argument("--min", type=float, default=0.0, help="exit 1 below this accuracy (0-1)")

    command("start", "the Telegram bot if TELEGRAM_BOT_TOKEN is set, else the chat")
    command("run", "run the Telegram bot (long polling or webhook)")

    send = command("send-reminders", "one reminder/broadcast delivery pass")
    send.add_argument("--now", type=_now_arg, help=now_help)
    command("unanswered", "questions the bot could not answer, most frequent first")
    command("feedback", "questions whose answer got 👎, with the answer, most frequent first")
    cases = command("cases", "questions handed to a person: open ones (oldest first), then answered")
    cases.add_argument("--export", type=Path, metavar="FILE",
                       help="write the answered cases as draft FAQ entries (YAML) for a curator")
    backup = command("backup", "online backup of the database")
    backup.add_argument("file", type=Path)
    command("health", "exit 0 while the running bot keeps polling (Docker)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # `partnerbot ask … | head`: the reader went away; say nothing more, as other tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "start":
        has_token = token_is_set()
        args.command = "run" if has_token else "chat"
        args.now = None
        if not has_token:
            print("Ingen TELEGRAM_BOT_TOKEN satt – startar terminalchatten i stället.\n", file=sys.stderr)
    if args.command in {"run", "send-reminders", "unanswered", "feedback", "cases", "backup",
                        "health"}:
        from bot.operations import run_operation
        return run_operation(args)
    try:
        knowledge = load_knowledge(args.knowledge or configured_knowledge_dir())
    except KnowledgeError as exc:
        print(f"Knowledge is invalid ({len(exc.problems)} problem(s)):\n{exc}", file=sys.stderr)
        return EXIT_INVALID_KNOWLEDGE
    if args.command == "check":
        return check(knowledge)
    engine = Engine(knowledge)
    clock: Callable[[], datetime] = (lambda: args.now) if args.now else system_clock
    if args.command == "ask":
        return ask(engine, args, clock)
    if args.command == "chat":
        return chat(engine, clock)
    return evaluate_file(engine, args.file, clock, args.min)


def check(knowledge: Knowledge) -> int:
    for warning in knowledge_warnings(knowledge, system_clock()):
        print(f"warning: {warning}", file=sys.stderr)
    print(f"OK: {len(knowledge.faq)} FAQ entries, {len(knowledge.partners)} partner countries, "
          f"{len(knowledge.applicants)} applicant kinds in {knowledge.source}")
    return 0


def terminal_text(answer: Answer) -> str:
    """What a user reads in a terminal: the answer, then suggestions and related topics."""
    parts = [answer.text]
    if answer.suggestions:
        lead = TERMINAL_WORDS[answer.lang]["did_you_mean"]
        choices = "\n".join(f"  {i}. {s.title}" for i, s in enumerate(answer.suggestions, 1))
        parts.append(f"{lead}\n{choices}")
    return "\n\n".join(parts)


def ask(engine: Engine, args: argparse.Namespace, clock: Callable[[], datetime]) -> int:
    if args.batch:
        return ask_batch(engine, args.batch, clock)
    if args.question is None:
        print("partnerbot ask: give a QUESTION or --batch FILE", file=sys.stderr)
        return 2
    answer = engine.answer_question(args.question, clock())
    print(json.dumps(answer.as_dict(args.question), ensure_ascii=False) if args.json
          else terminal_text(answer))
    return 0


def ask_batch(engine: Engine, path: Path, clock: Callable[[], datetime]) -> int:
    now = clock()
    out = sys.stdout
    source = sys.stdin if str(path) == "-" else path.open(encoding="utf-8")
    with source:
        for line in source:
            question = line.rstrip("\n")
            if question.lstrip().startswith("{"):
                try:
                    question = str(json.loads(question).get("q", ""))
                except (ValueError, AttributeError):
                    pass
            answer = engine.answer_question(question, now)
            out.write(json.dumps(answer.as_dict(question), ensure_ascii=False) + "\n")
    return 0


SOURCE_COMMANDS = frozenset({"/kalla", "/källa", "/source"})


def render_sources(answer: Answer | None, knowledge: Knowledge) -> str:
    """The announcement's sentences behind the last answer, quoted as written."""
    words = TERMINAL_WORDS[answer.lang if answer is not None else "sv"]
    if answer is None or not answer.sources:
        return words["no_quote"]
    lead = words["from"]
    quotes = "\n".join(f"  > {quote}" for quote in answer.sources)
    return f"{lead} ”{knowledge.call.title}” (ICLD):\n{quotes}"


def chat(engine: Engine, clock: Callable[[], datetime]) -> int:
    interactive = sys.stdin.isatty()
    if interactive:
        print(engine.answer_entry("greeting", clock()).text)
        print("\n(Skriv din fråga och tryck Enter. /kalla visar var i utlysningen svaret står. "
              "Avsluta med Ctrl-D eller ”hejdå”.)")
    last: Answer | None = None
    while True:
        try:
            line = input("\nDu: " if interactive else "")
        except (EOFError, KeyboardInterrupt):
            break
        text = line.strip()
        if interactive and text.casefold() in {"hejdå", "hejda", "exit", "quit", "avsluta chatten"}:
            break
        if text.casefold() in SOURCE_COMMANDS:
            print(render_sources(last, engine.knowledge))
            if not interactive:
                print()
            continue
        if last and last.suggestions and text.isdigit() and 1 <= int(text) <= len(last.suggestions):
            answer = engine.answer_entry(last.suggestions[int(text) - 1].id, clock(), last.lang)
        else:
            answer = engine.answer_question(text, clock(), last)
        last = answer
        print(("\nPartnerbot: " if interactive else "") + terminal_text(answer))
        if not interactive:
            print()
    if interactive:
        print("\nHej då! Lycka till med ansökan.")
    return 0


def evaluate_file(engine: Engine, path: Path, clock: Callable[[], datetime], minimum: float) -> int:
    from bot.answers.evaluation import evaluate, load_cases
    try:
        cases = load_cases(path)
    except (OSError, ValueError) as exc:
        print(f"partnerbot eval: {exc}", file=sys.stderr)
        return 2
    now = clock()
    started = time.perf_counter()
    def reply(question: str) -> tuple[str, str | None]:
        answer = engine.answer_question(question, now)
        return answer.text, answer.match

    result = evaluate(cases, reply)
    print(result.report())
    print(f"\n{len(cases)} questions in {time.perf_counter() - started:.3f} s")
    return 1 if result.accuracy < minimum else 0
