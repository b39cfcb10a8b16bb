"""Validation codes: what a learner reads from a certificate or types into the lookup form."""

import secrets

# No 0/O, 1/I/L, U/V look-alikes: read aloud or typed from paper without doubt. 30**12 is about 2**59.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
CODE_GROUPS = 3
CODE_GROUP_LENGTH = 4


def award_code_generate() -> str:
    groups = (
        "".join(secrets.choice(CODE_ALPHABET) for _char in range(CODE_GROUP_LENGTH)) for _group in range(CODE_GROUPS)
    )
    return "-".join(groups)


def award_code_normalize(text: str) -> str:
    """What a person typed (spaces, lower case, missing dashes) as a stored code; "" when it cannot be one."""
    raw = "".join(char for char in text.upper() if char.isalnum())
    if len(raw) != CODE_GROUPS * CODE_GROUP_LENGTH or any(char not in CODE_ALPHABET for char in raw):
        return ""
    return "-".join(raw[i : i + CODE_GROUP_LENGTH] for i in range(0, len(raw), CODE_GROUP_LENGTH))
