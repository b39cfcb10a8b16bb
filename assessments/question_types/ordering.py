"""ordering: `items: [{"id", "text"}]` in the correct order.

Scoring: the share of items in their correct absolute position, so only the exact order earns full marks and a
blank earns 0. While studying, the positions chosen so far are kept as a draft (`{item id: position from 1}`,
some missing or shared); a submitted answer gives every item its own position. GIFT has no ordering questions."""

from __future__ import annotations

import random
from collections.abc import Mapping
from fractions import Fraction
from typing import Any, cast

from assessments.i18n import _, gettext_noop
from assessments.question_types.authoring import list_items, raw_list
from assessments.question_types.base import DisplayQuestion, GiftWriter, QuestionType, Row
from assessments.question_types.common import (
    ListedTexts,
    MalformedResponse,
    Outcome,
    PostData,
    id_list,
    listed_text_errors,
    one_field,
    shown,
)

_ITEMS = ListedTexts(
    not_a_list=gettext_noop("Items must be a list of items."),
    too_few=gettext_noop("An ordering question needs at least two items."),
    bad_id=gettext_noop("Every item needs an id made of letters, digits, “-” or “_”."),
    duplicate_id=gettext_noop("Two items share the id “%(id)s”."),
    no_text=gettext_noop("Every item needs text."),
    duplicate_text=gettext_noop("Two items have the same text: “%(text)s”."),
)


class Ordering(QuestionType):
    key = "ordering"
    label = gettext_noop("Ordering")
    icon = "list-ol"

    def block_children(self) -> list[tuple[str, Any]]:
        from django.utils.translation import gettext_lazy
        from wagtail import blocks

        item = blocks.CharBlock(max_length=500)
        return [("items", blocks.ListBlock(item, label=gettext_lazy("Items, in the correct order"), min_num=2))]

    def from_block(self, value: Any) -> dict[str, Any]:
        return {"items": [{"id": iid, "text": text} for iid, text in list_items(value["items"])]}

    def to_block(self, q: Mapping[str, Any]) -> dict[str, Any]:
        items = q["items"]
        return {"items": raw_list([i["text"] for i in items], [i["id"] for i in items])}

    def validate(self, q: Mapping[str, Any]) -> list[str]:
        errors, _items = listed_text_errors(q, "items", _ITEMS)
        return errors

    def normalise(self, q: Mapping[str, Any], raw: Any) -> list[str | None] | None:
        """The order as a list of item ids by position; a draft's position held by no item, or by two, is None."""
        if isinstance(raw, Mapping):
            places: dict[int, list[str]] = {}
            for item_id, position in raw.items():
                places.setdefault(position, []).append(item_id)
            slots = [places[n][0] if len(places.get(n, [])) == 1 else None for n in range(1, len(q["items"]) + 1)]
            return slots if any(slots) else None
        known = [i["id"] for i in q["items"]]
        order = id_list(
            raw,
            known,
            message=gettext_noop("An ordering answer must be a list of item ids."),
            unknown=gettext_noop("Unknown item “%(id)s”."),
            duplicate=gettext_noop("Item “%(id)s” was sent twice."),
        )
        if order is not None and len(order) != len(known):
            raise MalformedResponse(_("An ordering answer must list every item once."))
        return list(order) if order is not None else None

    def read_draft(self, q: Mapping[str, Any], raw: Any) -> list[str] | dict[str, int] | None:
        """A whole order (a list of item ids, or positions that name every item once) as the list of ids;
        positions chosen so far ({item id: position from 1}, some missing or shared) as they are."""
        if not isinstance(raw, Mapping):
            return cast(list[str] | None, self.normalise(q, raw))
        known = [i["id"] for i in q["items"]]
        places: dict[str, int] = {}
        for item_id, position in raw.items():
            if item_id not in known:
                raise MalformedResponse(_("Unknown item “%(id)s”.") % {"id": shown(item_id)})
            if position is None or position == "":
                continue
            if isinstance(position, bool) or not isinstance(position, int | str) or not str(position).isdigit():
                raise MalformedResponse(_("A position must be a number from 1 to %(n)d.") % {"n": len(known)})
            if not 1 <= int(position) <= len(known):
                raise MalformedResponse(_("A position must be a number from 1 to %(n)d.") % {"n": len(known)})
            places[item_id] = int(position)
        if not places:
            return None
        if sorted(places.values()) == list(range(1, len(known) + 1)):
            return sorted(places, key=places.__getitem__)
        return {item_id: places[item_id] for item_id in known if item_id in places}

    def response(self, q: Mapping[str, Any], raw: Any) -> list[str | None] | None:
        # A draft closed at the deadline is graded as it stands: items score where they are placed.
        return self.normalise(q, self.read_draft(q, raw))

    def incomplete(self, q: Mapping[str, Any], draft: Any) -> str | None:
        if not isinstance(draft, Mapping):
            return None
        if len(set(draft.values())) != len(draft):
            return _("Give each item a different position.")
        return _("Give every item a position.")

    def draw_order(self, q: Mapping[str, Any], rng: random.Random, *, shuffle: bool) -> list[str]:
        ids = [i["id"] for i in q["items"]]
        correct = list(ids)
        for _try in range(10):  # never show the answer as the starting order
            rng.shuffle(ids)
            if ids != correct:
                break
        return ids

    def display(self, q: Mapping[str, Any], shown: DisplayQuestion, *, order: list[str], saved: Any) -> None:
        texts = {i["id"]: i["text"] for i in q["items"]}
        if isinstance(saved, dict):  # a draft: the positions chosen so far
            placed = {iid: str(position) for iid, position in saved.items()}
        else:
            placed = {iid: str(n + 1) for n, iid in enumerate(saved or [])}
        shown.rows = [Row(f"{shown.name}-{i}", texts[iid], placed.get(iid, "")) for i, iid in enumerate(order)]
        shown.positions = list(range(1, len(order) + 1))

    def from_post(self, q: Mapping[str, Any], *, name: str, order: list[str], data: PostData) -> dict[str, str]:
        # Positions chosen so far, as a draft: `read_draft` keeps a partial order as it is.
        return {item_id: one_field(data, f"{name}-{i}") for i, item_id in enumerate(order)}

    def grade(self, q: Mapping[str, Any], value: list[str | None] | None) -> Outcome:
        correct_order = [i["id"] for i in q["items"]]
        in_place = (
            [False] * len(correct_order)
            if value is None
            else [a == b for a, b in zip(value, correct_order, strict=True)]
        )
        return Outcome(
            Fraction(sum(in_place), len(correct_order)),
            [],
            {"order": value, "correct_order": correct_order, "in_place": in_place},
        )

    def gift_problem(self, q: Mapping[str, Any]) -> str | None:
        return _("GIFT has no ordering questions.")

    def gift_answers(self, q: Mapping[str, Any], writer: GiftWriter) -> list[str]:
        raise ValueError(self.gift_problem(q))
