"""Build items from inline mappings, the way the bank loader would."""
from quizzes.loader import parse_item

SKILLS = frozenset({"lead-management", "data-quality", "case-management", "opportunity-pipeline"})


def make(**raw):
    raw.setdefault("id", "t-001")
    raw.setdefault("skills", ["lead-management"])
    raw.setdefault("stem", "A question?")
    raw.setdefault("explanation", "Because.")
    item, problems = parse_item(raw, "test.yaml", 0, SKILLS, None)
    assert not problems, problems
    return item
