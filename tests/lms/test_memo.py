"""lms.memo.ProcessLRU: a bounded map of a process, least recently used first out."""

from __future__ import annotations

import threading

from lms.memo import ProcessLRU


def test_it_keeps_at_most_its_size_and_forgets_the_least_recently_used_first():
    memo: ProcessLRU[str] = ProcessLRU(2)
    memo.set("a", "A")
    memo.set("b", "B")
    assert memo.get("a") == "A"  # a read makes "a" the most recent
    memo.set("c", "C")
    assert memo.keys_by_use() == ["a", "c"] and len(memo) == 2
    assert memo.get("b") is None and memo.get("b", "default") == "default"
    memo.update({"d": "D", "e": "E"})
    assert memo.keys_by_use() == ["d", "e"]


def test_get_many_answers_only_what_it_holds_and_refreshes_it():
    memo: ProcessLRU[int] = ProcessLRU(3)
    memo.update({"a": 1, "b": 2, "c": 3})
    assert memo.get_many(["a", "x"]) == {"a": 1}
    memo.set("d", 4)
    assert memo.keys_by_use() == ["c", "a", "d"]


def test_a_falsy_value_is_a_value_and_get_or_build_builds_only_what_is_missing():
    memo: ProcessLRU[str] = ProcessLRU(4)
    built: list[str] = []

    def build(value: str):
        def made() -> str:
            built.append(value)
            return value

        return made

    assert memo.get_or_build("empty", build("")) == ""
    assert memo.get_or_build("empty", build("again")) == ""  # "" is kept, not built again
    assert "empty" in memo and built == [""]


def test_threads_share_it_without_passing_its_bound():
    memo: ProcessLRU[int] = ProcessLRU(50)

    def fill(start: int) -> None:
        for n in range(start, start + 500):
            memo.set(n, n)
            memo.get(n - 1)

    threads = [threading.Thread(target=fill, args=(n * 1000,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(memo) == 50 and all(memo.get(key) == key for key in memo.keys_by_use())


def test_clear_forgets_every_entry():
    memo = ProcessLRU(4)
    memo.update({"a": 1, "b": 2})
    memo.clear()
    assert len(memo) == 0 and memo.get("a") is None and memo.keys_by_use() == []
