"""Knowledge loading and `partnerbot check`: every problem reported with file and line."""
from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.clock import STOCKHOLM
from bot.knowledge.model import KnowledgeError
from bot.knowledge.loader import load_knowledge
from tests.support import ROOT, SHARED

# The bot states facts from its bundled copy of the announcement; the seed is the original.
ANNOUNCEMENT = ROOT / "knowledge" / "announcement.txt"
SEED_FILES = sorted((SHARED / "seed").glob("*.txt"))


def announcement_text() -> str:
    return ANNOUNCEMENT.read_text(encoding="utf-8")


@pytest.mark.skipif(not SEED_FILES, reason="shared/seed not present in this checkout")
def test_the_bundled_announcement_is_the_seed_word_for_word() -> None:
    assert announcement_text() == " ".join(p.read_text(encoding="utf-8") for p in SEED_FILES)


def test_bundled_knowledge_matches_the_announcement(knowledge) -> None:
    call = knowledge.call
    assert call.deadline == date(2020, 3, 15)
    assert call.funder == "Sida"
    assert "Internationellt Center för Lokal Demokrati" in call.organiser
    assert len(knowledge.partners) == 19
    by_region = {r.id: {c.name for c in r.countries} for r in knowledge.regions}
    assert by_region["asia"] == {"Indonesien", "Kina", "Vietnam"}
    assert len(by_region["europe"]) == 8 and len(by_region["africa"]) == 8
    assert {k.id for k in knowledge.applicants if k.eligible} >= {"kommun", "region"}


def test_every_partner_country_is_named_in_the_seed(knowledge) -> None:
    seed = announcement_text()
    for country in knowledge.partners:
        assert country.name in seed or country.name_en in seed or \
            any(a in seed for a in country.aliases), country.name


def test_check_passes_on_bundled_knowledge(capsys) -> None:
    assert main(["check"]) == 0
    assert "19 partner countries" in capsys.readouterr().out


def _replace(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_broken_yaml_gives_file_and_line_and_exit_2(knowledge_copy: Path, capsys) -> None:
    faq = knowledge_copy / "faq.yaml"
    line = _line_of(faq, "- id: deadline")
    _replace(faq, "- id: deadline", "- id: deadline\n    title: [unclosed")
    assert main(["--knowledge", str(knowledge_copy), "check"]) == 2
    err = capsys.readouterr().err
    assert re.search(rf"faq\.yaml:{line + 1}: invalid YAML", err) or \
        re.search(r"faq\.yaml:\d+: invalid YAML", err), err


def test_every_problem_is_reported_at_once(knowledge_copy: Path) -> None:
    faq = knowledge_copy / "faq.yaml"
    _replace(faq, "- id: thanks", "- id: greeting")              # duplicate id
    text = faq.read_text(encoding="utf-8")
    related_line = _line_of(faq, "related: [")
    faq.write_text(text.replace("related: [", "related: [no_such_entry, ", 1), encoding="utf-8")
    countries = knowledge_copy / "countries.yaml"
    _replace(countries, "name: Kenya", "name: Kenya\n        name_en_typo: x")  # harmless extra key
    call = knowledge_copy / "call.yaml"
    _replace(call, "funder: Sida", "funder:")                    # missing field
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(knowledge_copy)
    messages = [str(p) for p in info.value.problems]
    assert any("duplicate id 'greeting'" in m and "faq.yaml:" in m for m in messages), messages
    assert any(f"faq.yaml:{related_line}: related id 'no_such_entry'" in m for m in messages), messages
    assert any("call.yaml:" in m and "missing field 'funder'" in m for m in messages), messages
    assert any("required entry 'thanks' is missing" in m for m in messages), messages


def test_country_in_two_lists_is_rejected(knowledge_copy: Path) -> None:
    countries = knowledge_copy / "countries.yaml"
    text = countries.read_text(encoding="utf-8")
    # add Kenya a second time, to the Asian list
    text = text.replace("      - iso: CN", "      - iso: KE\n        name: Kenya\n        name_en: Kenya\n"
                        "        aliases: []\n      - iso: CN", 1)
    countries.write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(knowledge_copy)
    assert re.search(r"countries\.yaml:\d+: .*(KE|Kenya)", str(info.value)), str(info.value)


def test_duplicate_yaml_key_is_not_silently_overwritten(knowledge_copy: Path) -> None:
    call = knowledge_copy / "call.yaml"
    line = _line_of(call, "funder:")
    _replace(call, "funder: Sida", "funder: Sida\nfunder: Someone else")
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(knowledge_copy)
    assert f"call.yaml:{line + 1}: duplicate key 'funder'" in str(info.value)


def test_unknown_placeholder_and_missing_file(knowledge_copy: Path) -> None:
    faq = knowledge_copy / "faq.yaml"
    lines = faq.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if "{deadline}" in line and not line.lstrip().startswith("#"))
    lines[at] = lines[at].replace("{deadline}", "{deadlne}")
    faq.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (knowledge_copy / "applicants.yaml").unlink()
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(knowledge_copy)
    text = str(info.value)
    assert "unknown placeholder {deadlne}" in text
    assert "applicants.yaml:1: file is missing" in text


def test_new_call_needs_no_code_change(knowledge_copy: Path) -> None:
    call = knowledge_copy / "call.yaml"
    _replace(call, "2020-03-15", "2027-03-15")
    assert load_knowledge(knowledge_copy).call.deadline == date(2027, 3, 15)


def test_check_warns_when_deadline_has_passed(capsys) -> None:
    assert main(["check"]) == 0   # the bundled 2020 call: valid, but out of date today
    assert "out of date" in capsys.readouterr().err


def test_core_areas_are_the_announcements_four(knowledge) -> None:
    seed = announcement_text()
    names = [area.name for area in knowledge.core_areas]
    assert len(names) == 4
    for name in names:
        assert name in seed, name
    assert all(area.work and area.explanation for area in knowledge.core_areas)


def test_new_knowledge_is_checked_with_file_and_line(knowledge_copy: Path, capsys) -> None:
    core, faq, countries = (knowledge_copy / n for n in ("core_areas.yaml", "faq.yaml", "countries.yaml"))
    _replace(core, "    work: [funktionsned", "    work: funktionsned-ERROR\n    works: [funktionsned")
    _replace(faq, "    topics: [kostar det,", "    topics: kostar\n    topicz: [kostar det,")
    _replace(countries, '  "LT": [Vilnius,', '  "LT": [Riga, Vilnius,')
    _replace(countries, "  - id: nordic\n", "  - nordic\n  - id: nordic2\n")
    assert main(["check", "--knowledge", str(knowledge_copy)]) == 2
    err = capsys.readouterr().err
    assert f"{core}:{_line_of(core, 'funktionsned-ERROR')}: 'work' must be a list of texts" in err
    assert f"{faq}:{_line_of(faq, 'topics: kostar')}: 'topics' must be a list of texts" in err
    assert re.search(rf"{re.escape(str(countries))}:\d+: 'Riga' is used for both LV and LT", err)
    assert f"{countries}:{_line_of(countries, '  - nordic')}: an entry must be a mapping" in err


def test_missing_core_areas_file_is_reported(knowledge_copy: Path) -> None:
    (knowledge_copy / "core_areas.yaml").unlink()
    with pytest.raises(KnowledgeError, match=r"core_areas.yaml:1: file is missing"):
        load_knowledge(knowledge_copy)


def test_check_refuses_an_altered_quote_with_file_and_line(knowledge_copy: Path, capsys) -> None:
    faq, call = knowledge_copy / "faq.yaml", knowledge_copy / "call.yaml"
    _replace(faq, "svenska Ale och två lokala aktörer", "svenska Ale och tre lokala aktörer")
    _replace(call, "stänger den 15 mars 2020.", "stänger den 16 mars 2020.")
    assert main(["check", "--knowledge", str(knowledge_copy)]) == 2
    err = capsys.readouterr().err
    assert f"{faq}:{_line_of(faq, 'tre lokala aktörer')}: quote not found in announcement.txt" in err
    assert f"{call}:{_line_of(call, '16 mars 2020')}: quote not found in announcement.txt" in err


def test_an_honest_entry_may_not_quote(knowledge_copy: Path) -> None:
    faq = knowledge_copy / "faq.yaml"
    _replace(faq, "    honest: true\n", "    honest: true\n    source: [\"Sidansvarig\"]\n")
    with pytest.raises(KnowledgeError, match="an honest entry states no fact"):
        load_knowledge(knowledge_copy)


PERSON_ENTRY = """
  - id: case_17
    title: Får vi söka för två partnerkommuner?
    title_en: Two partner municipalities?
    questions: [får vi ha två partnerkommuner i samma ansökan, två partner i ett partnerskap,
                kan partnerskapet ha två motsvarigheter, två motparter samtidigt,
                två partnerkommuner samtidigt]
    answer: "Ja, men kontakta oss först {så} stämmer vi av."
    answer_en: "Yes, but contact us first."
    source: "handläggare, 2026-11-30"
"""


def test_an_entry_answered_by_a_person_is_shown_with_that_source(knowledge_copy: Path) -> None:
    from bot.answers.engine import Engine
    faq = knowledge_copy / "faq.yaml"
    faq.write_text(faq.read_text(encoding="utf-8") + PERSON_ENTRY, encoding="utf-8")
    engine = Engine(load_knowledge(knowledge_copy))
    answer = engine.answer_entry("case_17", datetime(2020, 2, 20, 12, tzinfo=STOCKHOLM))
    assert answer.text.startswith("Ja, men kontakta oss först {så} stämmer vi av.")
    assert "Källa: handläggare, 2026-11-30 – ett svar från en person, inte ur utlysningen" in answer.text
    assert answer.sources == ()


def test_a_source_text_must_name_a_person(knowledge_copy: Path) -> None:
    faq = knowledge_copy / "faq.yaml"
    faq.write_text(faq.read_text(encoding="utf-8") + PERSON_ENTRY.replace(
        '"handläggare, 2026-11-30"', '"Fram till den 15 mars är ansökningsomgången öppen."'),
        encoding="utf-8")
    with pytest.raises(KnowledgeError, match="a 'source' text must name a person"):
        load_knowledge(knowledge_copy)


def test_a_swedish_place_that_is_also_a_foreign_name_is_rejected(knowledge_copy: Path) -> None:
    countries = knowledge_copy / "countries.yaml"
    text = countries.read_text(encoding="utf-8")
    countries.write_text(text.replace("swedish_places: [Blekinge,", "swedish_places: [Durban, Blekinge,"),
                         encoding="utf-8")
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(knowledge_copy)
    assert re.search(r"countries\.yaml:\d+: 'Durban' is both Swedish \(a place or word\) and a foreign name",
                     str(info.value)), str(info.value)


def test_a_remit_task_is_checked_with_file_and_line(knowledge_copy: Path, capsys) -> None:
    core = knowledge_copy / "core_areas.yaml"
    _replace(core, "    who: region\n    words: [kollektivtrafik", "    who: stat\n    words: [kollektivtrafik")
    _replace(core, "    words: [bibliotek, library, libraries]", "    words: bibliotek-ERROR")
    assert main(["check", "--knowledge", str(knowledge_copy)]) == 2
    err = capsys.readouterr().err
    assert f"{core}:{_line_of(core, 'who: stat')}: 'who' must be one of kommun, region" in err
    assert f"{core}:{_line_of(core, 'bibliotek-ERROR')}: 'words' must be a list of texts" in err


def test_the_remit_is_optional(knowledge_copy: Path) -> None:
    core = knowledge_copy / "core_areas.yaml"
    text = core.read_text(encoding="utf-8")
    core.write_text(text[:text.index("\n# What \"det kommunala")], encoding="utf-8")
    assert load_knowledge(knowledge_copy).remit == ()


def test_guarded_cities_are_checked_with_file_and_line(knowledge_copy: Path, capsys) -> None:
    countries = knowledge_copy / "countries.yaml"
    _replace(countries, '  "HR": [Split]', '  "XX1": [Split]')
    assert main(["check", "--knowledge", str(knowledge_copy)]) == 2
    err = capsys.readouterr().err
    assert f"{countries}:{_line_of(countries, 'XX1')}: 'XX1' is not an ISO code" in err
