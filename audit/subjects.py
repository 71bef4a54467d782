"""What each logged model is about: the young person it concerns, as a lookup path.

Apps register their person-related models in `ready()`, so that the auditors' extract "who
has read this person's record" finds every entry about the person without knowing the apps.
"""

ABOUT_PERSON: dict[type, str] = {}


def register(model, person_path: str) -> None:
    """`person_path` leads from the model to YoungPerson, e.g. "case__young_person" ("" for
    YoungPerson itself)."""
    ABOUT_PERSON[model] = person_path
