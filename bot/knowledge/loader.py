"""Finding the knowledge folder and reading it into a validated ``Knowledge``.

Kept apart from the data model so the model imports nothing of the reader that fills it.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from bot.knowledge.model import FILES, Knowledge, KnowledgeError
from bot.knowledge.reader import Reader
from bot.knowledge.yamlsource import Problem, load_located


def default_knowledge_dir() -> Path:
    """The repository's knowledge/, else the installed copy. (A configured folder,
    ``PARTNERBOT_KNOWLEDGE``, is read by bot.config and passed in by the caller.)"""
    repo = Path(__file__).resolve().parents[2] / "knowledge"
    if (repo / "faq.yaml").is_file():
        return repo
    return Path(str(resources.files("bot.knowledge_data")))


def load_knowledge(directory: Path | str | None = None) -> Knowledge:
    """Load and validate all knowledge files; raise KnowledgeError listing every problem."""
    folder = Path(directory) if directory else default_knowledge_dir()
    problems: list[Problem] = []
    docs = {name: load_located(folder / name, problems) for name in FILES}
    reader = Reader(problems)
    call = reader.call(docs["call.yaml"])
    regions, other, overrides = reader.countries(docs["countries.yaml"])
    applicants = reader.applicants(docs["applicants.yaml"])
    faq = reader.faq(docs["faq.yaml"])
    core_areas = reader.core_areas(docs["core_areas.yaml"])
    remit, remit_source = reader.remit(docs["core_areas.yaml"])
    guarded = reader.guarded_cities(docs["countries.yaml"])
    empty_regions = reader.empty_regions(docs["countries.yaml"])
    swedish_places = reader.swedish_places(docs["countries.yaml"], regions, other)
    groups = reader.groups(docs["countries.yaml"], regions)
    sources = {name: reader.file_quotes(docs[f"{name}.yaml"], f"{name}.yaml")
               for name in ("countries", "applicants", "core_areas")}
    if call is not None and call.announcement:
        announcement = folder / call.announcement
        try:
            reader.check_quotes(announcement.read_text(encoding="utf-8"), call.announcement)
        except OSError as exc:
            problems.append(Problem(str(announcement), 1, f"file is missing or unreadable ({exc.strerror})"))
    if problems or call is None:
        raise KnowledgeError(problems or [Problem(str(folder / "call.yaml"), 1, "no call")])
    return Knowledge(call, regions, other, overrides, applicants, faq, str(folder),
                     core_areas, empty_regions, swedish_places, groups, sources, remit=remit,
                     remit_source=remit_source, guarded_cities=guarded)
