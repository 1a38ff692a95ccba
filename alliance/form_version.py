"""The optimistic-lock version an edit form sends back in its hidden `version` field."""


def submitted_version(value) -> int | None:
    """The version as an int; None when it is missing or not a number, which matches no stored version, so the
    operation refuses the edit as a conflict instead of saving over someone else's change."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
