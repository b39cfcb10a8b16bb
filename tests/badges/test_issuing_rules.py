"""Issuing decisions at their edges, found untested by mutation testing (docs/mutation.md)."""

from __future__ import annotations

from badges.services import award_code_normalize


def test_a_typed_code_of_the_wrong_length_is_no_code() -> None:
    assert award_code_normalize("7K4M-QX2P-9HJ") == ""
    assert award_code_normalize("7K4M-QX2P-9HJDD") == ""
