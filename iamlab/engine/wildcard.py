"""IAM's `*` and `?` wildcards, matched in (near) linear time and compiled once per pattern.

`*` stands for any run of characters (none included, '/' and ':' included) and `?` for exactly one
character. A pattern is split on its `*`s into segments; every segment has a fixed length (a `?`
is one character), so the first segment is anchored at the start, the last at the end, and each
middle segment is found greedily at its leftmost place. Leftmost is always safe for a fixed-length
segment, so nothing is ever retried: there is no backtracking and no regular expression.

Inside a segment the literal runs between `?`s are located with `str.find` on the longest run and
checked with `str.startswith` for the others.

`matcher_from_pieces` takes the output of `variables.expand`: pieces whose flag says whether their
`*` and `?` are wildcards (the policy's own text) or plain characters (values from the request,
`${*}`, `${?}`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

__all__ = ["matcher", "matcher_from_pieces", "is_wildcard_free"]

Matcher = Callable[[str], bool]

_STAR = object()  # marker atoms used while compiling
_ANY = object()


def is_wildcard_free(pattern: str) -> bool:
    """True when the pattern has neither `*` nor `?` (it can only match itself)."""
    return "*" not in pattern and "?" not in pattern


class _Segment:
    """A fixed-length run of literal characters and single-character `?` holes."""

    __slots__ = ("length", "chunks", "anchor_offset", "anchor", "others")

    def __init__(self, length: int, chunks: list[tuple[int, str]]) -> None:
        self.length = length
        self.chunks = tuple(chunks)
        if chunks:
            best = max(chunks, key=lambda c: len(c[1]))
            self.anchor_offset, self.anchor = best
            self.others = tuple(c for c in chunks if c is not best)
        else:
            self.anchor_offset, self.anchor = 0, ""
            self.others = ()

    def matches_at(self, subject: str, at: int) -> bool:
        # The caller guarantees at + length <= len(subject).
        return all(subject.startswith(text, at + offset) for offset, text in self.chunks)

    def find(self, subject: str, start: int, end: int) -> int:
        """Leftmost position p with start <= p and p + length <= end where the segment fits."""
        last = end - self.length
        if last < start:
            return -1
        if not self.anchor:  # only `?`s: any position will do
            return start
        anchor, a_off, others = self.anchor, self.anchor_offset, self.others
        stop = last + a_off + len(anchor)
        i = subject.find(anchor, start + a_off, stop)
        while i >= 0:
            p = i - a_off
            for offset, text in others:
                if not subject.startswith(text, p + offset):
                    break
            else:
                return p
            i = subject.find(anchor, i + 1, stop)
        return -1


def _atoms(pieces: Iterable[tuple[str, bool]], lower: bool) -> list[object]:
    atoms: list[object] = []
    for text, live in pieces:
        if lower:
            text = text.lower()
        if not live:
            atoms.extend(text)
            continue
        for ch in text:
            if ch == "*":
                if not atoms or atoms[-1] is not _STAR:  # '**' is the same as '*'
                    atoms.append(_STAR)
            elif ch == "?":
                atoms.append(_ANY)
            else:
                atoms.append(ch)
    return atoms


def _segment(atoms: list[object]) -> _Segment:
    chunks: list[tuple[int, str]] = []
    run: list[str] = []
    run_start = 0
    for pos, atom in enumerate(atoms):
        if atom is _ANY:
            if run:
                chunks.append((run_start, "".join(run)))
                run = []
            run_start = pos + 1
        else:
            run.append(atom)  # type: ignore[arg-type]
    if run:
        chunks.append((run_start, "".join(run)))
    return _Segment(len(atoms), chunks)


def _compile(pieces: Iterable[tuple[str, bool]], ignore_case: bool) -> Matcher:
    atoms = _atoms(pieces, ignore_case)
    has_star = any(a is _STAR for a in atoms)
    has_any = any(a is _ANY for a in atoms)
    fold: Callable[[str], str] | None = str.lower if ignore_case else None

    if not has_star and not has_any:
        literal = "".join(atoms)  # type: ignore[arg-type]
        if fold:
            return lambda s: s.lower() == literal
        return lambda s: s == literal

    groups: list[list[object]] = [[]]
    for atom in atoms:
        if atom is _STAR:
            groups.append([])
        else:
            groups[-1].append(atom)

    if not has_star:
        seg = _segment(groups[0])
        n = seg.length

        def exact(s: str) -> bool:
            if fold:
                s = s.lower()
            return len(s) == n and seg.matches_at(s, 0)

        return exact

    if not has_any:
        texts = ["".join(g) for g in groups]  # type: ignore[arg-type]
        if all(not t for t in texts):
            return lambda s: True
        if len(texts) == 2:
            head, tail = texts
            if not tail:
                if fold:
                    return lambda s: s.lower().startswith(head)
                return lambda s: s.startswith(head)
            if not head:
                if fold:
                    return lambda s: s.lower().endswith(tail)
                return lambda s: s.endswith(tail)
        if len(texts) == 3 and not texts[0] and not texts[2]:
            middle = texts[1]
            if fold:
                return lambda s: middle in s.lower()
            return lambda s: middle in s

    first = _segment(groups[0])
    last = _segment(groups[-1])
    middles = tuple(seg for seg in (_segment(g) for g in groups[1:-1]) if seg.length)
    fixed = first.length + last.length

    def general(s: str) -> bool:
        if fold:
            s = s.lower()
        n = len(s)
        if n < fixed:
            return False
        if not first.matches_at(s, 0):
            return False
        end = n - last.length
        if not last.matches_at(s, end):
            return False
        pos = first.length
        for seg in middles:
            found = seg.find(s, pos, end)
            if found < 0:
                return False
            pos = found + seg.length
        return True

    return general


def _star_matcher(text: str, fold: bool) -> Matcher:
    """A pattern with `*`s but no `?` (the common case), compiled straight from its text: the
    same matcher `_compile` builds, without taking the pattern apart character by character."""
    parts = text.split("*")
    if len(parts) == 1:
        if fold:
            return lambda s: s.lower() == text
        return lambda s: s == text
    head, tail = parts[0], parts[-1]
    middles = tuple(p for p in parts[1:-1] if p)  # '**' is the same as '*'
    if not middles:
        if not head and not tail:
            return lambda s: True
        if not tail:
            if fold:
                return lambda s: s.lower().startswith(head)
            return lambda s: s.startswith(head)
        if not head:
            if fold:
                return lambda s: s.lower().endswith(tail)
            return lambda s: s.endswith(tail)
    elif len(middles) == 1 and not head and not tail:
        middle = middles[0]
        if fold:
            return lambda s: middle in s.lower()
        return lambda s: middle in s
    fixed = len(head) + len(tail)
    start, cut = len(head), len(tail)

    def general(s: str) -> bool:
        if fold:
            s = s.lower()
        n = len(s)
        if n < fixed or not s.startswith(head) or not s.endswith(tail):
            return False
        pos, end = start, n - cut
        for middle in middles:
            found = s.find(middle, pos, end)
            if found < 0:
                return False
            pos = found + len(middle)
        return True

    return general


@lru_cache(maxsize=65536)
def _matcher(pattern: str, ignore_case: bool) -> Matcher:
    if "?" not in pattern:
        return _star_matcher(pattern.lower() if ignore_case else pattern, ignore_case)
    return _compile(((pattern, True),), ignore_case)


def matcher(pattern: str, *, ignore_case: bool = False) -> Matcher:
    """A function telling whether a string matches `pattern` (`*` and `?` are wildcards).

    Compiled once per (pattern, ignore_case) and cached.
    """
    return _matcher(pattern, bool(ignore_case))


@lru_cache(maxsize=16384)
def _matcher_from_pieces(pieces: tuple[tuple[str, bool], ...], ignore_case: bool) -> Matcher:
    return _compile(pieces, ignore_case)


def matcher_from_pieces(
    pieces: Iterable[tuple[str, bool]], *, ignore_case: bool = False
) -> Matcher:
    """Like `matcher`, for a pattern made of pieces as `variables.expand` returns them.

    In a piece whose flag is False, `*` and `?` are ordinary characters.
    """
    key = tuple((str(text), bool(live)) for text, live in pieces)
    if all(live for _, live in key):
        return _matcher("".join(text for text, _ in key), bool(ignore_case))
    return _matcher_from_pieces(key, ignore_case)
