"""Content warnings: what makes cards hard to learn, found in a valid workspace.

Each rule comes from card-design.md in the shared docs (the flashcard and interview-coaching
research the deck follows). The checks are pure: a Workspace in, warnings out, no I/O.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from difflib import SequenceMatcher
from functools import cache
from itertools import accumulate

from .model import Answer, Company, Fact, Points, Story, Workspace
from .problems import Location, Problem
from .textrules import MAX_TEXT_CHARS, strip_cloze

# card-design.md, "Flashcard rules": sets over 3-5 items are nearly impossible to memorise as one
# card. More points than this on an answer (or a company's tailoring of it) is a warning.
MAX_POINTS = 5

# card-design.md, "Flashcard rules" (minimum information: one card tests one thing) and
# "Structure of a prepared answer" (bullet points practised aloud, not memorised scripts).
# A point longer than this many words is a warning.
MAX_POINT_WORDS = 15

# card-design.md, "Structure of a prepared answer": avoid reusing one story for many questions
# with the same panel. A story linked from the answers of more questions than this is a warning
# (one question answered by the same story as more than 3 other questions).
MAX_QUESTIONS_PER_STORY = 4

# card-design.md, "Flashcard rules": similar items interfere. Two answers, or two facts of one
# company, whose normalised texts have a difflib.SequenceMatcher ratio at least this high are
# near duplicates.
NEAR_DUPLICATE_RATIO = 0.85

# A cheap first filter for near duplicates, so that thousands of facts stay fast: two texts are
# compared character by character only if the words they share weigh at least this much of
# their words (a Dice coefficient where a word weighs more the fewer texts have it, so "the" and
# the company's name count for little). Texts 85% alike by characters share far more than this
# unless nearly every word has a typo: on generated near duplicates with a few words and letters
# changed, it missed 1 pair in 2,700.
CANDIDATE_WORD_OVERLAP = 0.3

# card-design.md, "Structure of a prepared answer": results with a number ("cut delays 18%").
# A result has a number if it has a digit or one of these words (whole words, any case).
NUMBER_WORDS = frozenset("""
    zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety
    hundred hundreds thousand thousands million millions billion billions dozen dozens
    half halved halves quarter quarters third thirds double doubled triple tripled quadrupled
    twice thrice tenfold percent
""".split())

_WORD = re.compile(r"[^\W_]+")
_NOT_WORD = re.compile(r"[\W_]+")


def content_warnings(ws: Workspace) -> list[Problem]:
    """Warnings, with FILE:LINE:COL, for content that makes cards hard to learn (unsorted)."""
    out: list[Problem] = []
    for answer in ws.answers.values():
        out += _points_warnings(answer.points, "points", answer.loc,
                                "keep 3-5 and move the rest to notes")
    for story in ws.stories.values():
        out += _result_warnings(story)
    out += _story_reuse_warnings(ws)
    out += _duplicate_answer_warnings(list(ws.answers.values()))
    for company in ws.companies.values():
        for qid, points in company.tailoring.items():
            # The tailoring list keeps no location of its own: point at its first point.
            out += _points_warnings(points, f"tailoring for '{qid}'", points.locs[0],
                                    "keep 3-5 and merge or drop the rest")
        out += [_warn(f.loc, "fact: no source, so you cannot check it when it goes stale; "
                             "add 'source:' saying where and when you found it")
                for f in company.facts if f.source is None or not f.source.strip()]
        out += _duplicate_fact_warnings(company)
    out += _duplicate_company_warnings(list(ws.companies.values()))
    return out


def _warn(loc: Location, message: str) -> Problem:
    return Problem(loc, "warning", message)


# -- points -----------------------------------------------------------------------------------

def word_count(text: str) -> int:
    """Words as a reader counts them: runs between spaces that hold a letter or digit
    ("3-5" and "multi-site" are one word each, a lone "&" or "-" is none)."""
    return sum(1 for token in text.split() if _WORD.search(token))


def _points_warnings(points: Points, what: str, loc: Location, fix: str) -> list[Problem]:
    out = []
    if len(points) > MAX_POINTS:
        out.append(_warn(loc, f"{what}: {len(points)} points are hard to recall as one answer; {fix}"))
    for point, point_loc in zip(points, points.locs, strict=True):
        if len(point) > MAX_TEXT_CHARS:  # the size warning says more (and counting costs seconds per MB)
            continue
        words = word_count(strip_cloze(point))
        if words > MAX_POINT_WORDS:
            out.append(_warn(point_loc, f"{what}: a point of {words} words is hard to recall; "
                                        f"cut it to {MAX_POINT_WORDS} words or fewer and put details in notes"))
    return out


# -- stories ----------------------------------------------------------------------------------

def has_number(text: str) -> bool:
    """A digit, or a number word such as "half", "doubled" or "three"."""
    return any(ch.isdigit() for ch in text) or any(
        w.lower() in NUMBER_WORDS for w in _WORD.findall(text)
    )


def _result_warnings(story: Story) -> list[Problem]:
    if has_number(story.result):
        return []
    return [_warn(story.result.loc, "result: no number, so the outcome is hard to remember and to believe; "
                                    "add a measure, like 'cut delays 18%'")]


def _story_reuse_warnings(ws: Workspace) -> list[Problem]:
    linked: dict[str, list[str]] = defaultdict(list)  # story id -> question ids, in file order
    for answer in ws.answers.values():
        for sid in dict.fromkeys(answer.stories):  # a story listed twice counts once
            linked[sid].append(answer.question_id)
    out = []
    for sid, qids in linked.items():
        story = ws.stories.get(sid)
        if story is not None and len(qids) > MAX_QUESTIONS_PER_STORY:
            out.append(_warn(story.loc, f"story '{sid}' backs {len(qids)} answers ({', '.join(qids)}); "
                                        "one panel notices the same story told again; "
                                        "link another story to some of them"))
    return out


# -- near duplicates --------------------------------------------------------------------------

def normalise(text: str) -> str:
    """Lowercase words and digits separated by single spaces: punctuation and markup dropped."""
    return _NOT_WORD.sub(" ", text.lower()).strip()


def _answer_text(answer: Answer) -> str:
    return _normalised(" ".join(answer.points))


def _fact_text(fact: Fact) -> str:
    if fact.cloze is not None:
        return _normalised(strip_cloze(fact.cloze) if len(fact.cloze) <= MAX_TEXT_CHARS else fact.cloze)
    return _normalised(f"{fact.q or ''} {fact.a or ''}")


def _normalised(text: str) -> str:
    """TEXT normalised for comparing; a text over the size limit stays out of the comparisons
    ("", as an empty one): it has a warning of its own."""
    return normalise(text) if len(text) <= MAX_TEXT_CHARS * 2 else ""


def _duplicate_answer_warnings(answers: list[Answer]) -> list[Problem]:
    out = []
    for later, earlier in near_duplicates([_answer_text(a) for a in answers]).items():
        first, second = answers[earlier], answers[later]
        out.append(_warn(second.loc, f"answer to '{second.question_id}' is nearly the same as the answer to "
                                     f"'{first.question_id}' (line {first.loc.line}); similar cards get mixed up "
                                     "in review; merge them or make each answer distinct"))
    return out


def _duplicate_fact_warnings(company: Company) -> list[Problem]:
    facts = company.facts
    out = []
    for later, earlier in near_duplicates([_fact_text(f) for f in facts]).items():
        out.append(_warn(facts[later].loc, f"fact: nearly the same as the fact at line {facts[earlier].loc.line}; "
                                           "similar cards get mixed up in review; merge them or make the difference clear"))
    return out


def _duplicate_company_warnings(companies: list[Company]) -> list[Problem]:
    """Two files for one company (acme.yaml and acme-v2.yaml): the same name, so one subdeck with
    every shared fact twice; or another name with most facts the same."""
    out = []
    by_name: dict[str, Company] = {}
    seen_facts: dict[str, Company] = {}  # a fact's text -> the first company that has it
    for company in companies:
        key = " ".join(company.name.split()).casefold()
        first = by_name.setdefault(key, company)
        if first is not company:
            out.append(_warn(company.name.loc, f"company: '{company.name}' is also the name of {first.name.loc.file}, and "
                             f"both files go into the subdeck '{company.name.strip()}', so each fact they share is on "
                             "two cards: keep one file (merge what the other adds, then delete it)"))
            continue
        texts = {t for t in (_fact_text(f) for f in company.facts) if t}
        shared = Counter(seen_facts[t].id for t in texts if t in seen_facts)
        if shared:
            other_id, count = shared.most_common(1)[0]
            other = next(c for c in companies if c.id == other_id)
            if count >= 2 and count * 2 >= min(len(texts), len({_fact_text(f) for f in other.facts})):
                out.append(_warn(company.name.loc, f"company: {count} of its facts are also in {other.name.loc.file} "
                                 f"('{other.name}'), so each is on two cards: if both files are one company, keep one "
                                 "file (merge what the other adds, then delete it)"))
        for t in texts:
            seen_facts.setdefault(t, company)
    return out


def near_duplicates(texts: list[str], threshold: float = NEAR_DUPLICATE_RATIO,
                    similar: Callable[[str, str, float], bool] | None = None) -> dict[int, int]:
    """{index of a later text: index of the first earlier text it nearly duplicates}.

    Comparing every pair is far too slow for thousands of facts, and difflib's own cheap bounds
    (quick_ratio) pass most pairs of English sentences. So candidates come first from the words:
    each word weighs more the fewer texts have it, and two texts are compared only if the words
    they share weigh at least CANDIDATE_WORD_OVERLAP of their words (a weighted Dice
    coefficient). Prefix filtering finds those pairs without looking at the others: texts are
    taken lightest first, each one's words ordered rarest first; two texts sharing that much must
    share a word among the first words of each (the ones before the rest weigh too little).

    A text's first words are most of its words at this overlap, so many texts share one of them;
    counting how many each shares (in C, Counter.update) bounds what they can share in all: the
    c heaviest of those words plus every word after them. Only texts that can still reach the
    overlap are looked at one by one (at 3,000 answers, about 1 in 1,000 of those found). Those
    pass the length bound (difflib's real_quick_ratio) and the weighted overlap itself before
    their ratio is decided (``similar``: similar_by_blocks unless told, difflib's
    SequenceMatcher for benchmarks/check.py's baseline). Every bound is exact: the same pairs as
    comparing the words of every pair, in a fraction of the time (benchmarks/check.py).

    Only a text's first duplicate counts, which makes alike texts (one template with numbers
    changed, where nearly every pair is a candidate and a duplicate) cheap too: no candidate
    comes before the earliest text indexed under one of a text's first words, so when that one
    is a duplicate, the text's own search is over; and a text whose duplicate so far comes
    before every text not yet indexed can gain no earlier one, so it leaves the lists searched
    for the later candidates.
    """
    if similar is None:
        similar = _similar_by_blocks()
    t = CANDIDATE_WORD_OVERLAP
    # a text over the size limit has a warning of its own, and comparing it costs seconds per MB
    words = [_tagged_words(text) if len(text) <= MAX_TEXT_CHARS else frozenset() for text in texts]
    frequency = Counter(w for ws in words for w in ws)
    weight = {w: math.log(1 + len(texts) / df) for w, df in frequency.items()}
    total = [sum(weight[w] for w in ws) for ws in words]
    need = [t * x for x in total]  # what a text contributes to the overlap a pair needs
    index: dict[str, list[int]] = defaultdict(list)  # word -> texts with it among their first words
    lowest: dict[str, int] = {}  # word -> the earliest text in its index
    indexed: list[list[str]] = [[]] * len(texts)  # text -> its words in the index
    lows = cache(lambda i: frozenset(indexed[i]))  # asked of the few texts earliest under a word
    first = list(range(len(texts)))  # each text's earliest near duplicate so far, or itself
    # A text can gain an earlier duplicate only from a text not indexed yet, so none once its
    # earliest duplicate so far is no later than all of those. word -> the texts of its index
    # that still can, pruned when more may have stopped since (``ended`` counts those times).
    still: dict[str, list[int]] = {}
    pruned: dict[str, int] = {}
    ended = 0

    def close(i: int, j: int) -> bool:
        """Whether texts i and j (j the one being indexed) are near duplicates."""
        m, n = len(texts[i]), len(texts[j])
        if 2 * min(m, n) < threshold * (m + n):  # real_quick_ratio, without a call
            return False
        if 2 * sum(map(weight.__getitem__, words[i] & words[j])) < t * (total[i] + total[j]):
            return False
        # ratio() is not symmetric: always compare the earlier text with the later one.
        return similar(texts[min(i, j)], texts[max(i, j)], threshold)

    order = sorted(range(len(texts)), key=lambda k: (total[k], k))
    waiting = list(accumulate(reversed(order), min))[::-1]  # the earliest text not indexed yet
    for step, j in enumerate(order):
        done = waiting[step]
        ended += step > 0 and done != waiting[step - 1]
        ws = words[j]
        if not ws:
            continue
        ordered = sorted(ws, key=lambda w: (frequency[w], w))  # rarest first
        # Weighted Dice >= t with a text at most this heavy needs shared words weighing
        # t*total/(2-t); with a text at least this heavy (the ones indexed later), t*total.
        prefix = _prefix(ordered, weight, t * total[j] / (2 - t))
        rest = total[j] - sum(weight[w] for w in prefix)
        heaviest = [0.0, *accumulate(weight[w] for w in prefix)]  # what its first c words weigh
        # c of its first words and all the others must weigh enough (checked for every text
        # that shares a first word, so in one expression: most fail it)
        can = [2 * h + 2 * rest - need[j] for h in heaviest]
        # Only the first earlier duplicate of a text counts.
        low = min([lowest[w] for w in prefix if w in lowest], default=j)
        if low >= first[j] or (can[len(lows(low).intersection(prefix))] >= need[low] and close(low, j)):
            # No candidate is earlier than the earliest text indexed under one of its first
            # words: if that one is a duplicate (alike texts), or no earlier than the one it has,
            # only the later candidates remain, and of them only the texts that still can gain.
            first[j] = min(first[j], low)
            shared = Counter()
            for w in prefix:
                if w in still:
                    if pruned[w] != ended:
                        still[w] = [i for i in still[w] if first[i] > done]
                        pruned[w] = ended
                    shared.update(still[w])  # a text that still can is in every list of its words
            for i in [i for i, c in shared.items() if first[i] > j and can[c] >= need[i]]:  # first[i] <= i
                if close(i, j):
                    first[i] = j
                    ended += j == done
            candidates = ()
        else:
            shared = Counter()
            for w in prefix:
                shared.update(index[w])
            candidates = [i for i, c in shared.items() if can[c] >= need[i]]
        for i in candidates:
            later, earlier = (i, j) if i > j else (j, i)
            if earlier < first[later] and close(i, j):
                first[later] = earlier
                ended += later == i and j == done
        indexed[j] = mine = _prefix(ordered, weight, t * total[j])
        keep = first[j] > done
        for w in mine:
            index[w].append(j)
            if j < lowest.get(w, j + 1):
                lowest[w] = j
            if not keep:
                pass
            elif w in pruned:
                still[w].append(j)
            else:
                still[w] = [j]
                pruned[w] = ended
    return {i: e for i, e in enumerate(first) if e != i}


def similar_by_difflib(a: str, b: str, threshold: float) -> bool:
    """Whether difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= threshold, by
    difflib itself: what similar_by_blocks must always answer, in pure Python (tests, and
    benchmarks/check.py's baseline)."""
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return matcher.quick_ratio() >= threshold and matcher.ratio() >= threshold


def _similar_by_blocks():
    """similar_by_blocks with rapidfuzz's LCS, imported only when a check needs it."""
    from rapidfuzz.distance import LCSseq

    lcs = LCSseq.similarity
    return lambda a, b, threshold: similar_by_blocks(a, b, threshold, lcs)


def similar_by_blocks(a: str, b: str, threshold: float, lcs) -> bool:
    """Whether difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= threshold,
    exactly, in a fraction of its time; ``lcs(a, b)`` is the length of their longest common
    subsequence (rapidfuzz's, in C).

    The ratio is 2*M/T, T the two lengths together and M what SequenceMatcher's matching
    blocks add up to: the longest block common to both (the earliest in ``a``, then in ``b``),
    then the same on each side of it, and so on. Those blocks are one common subsequence, so
    M is at most the longest one (not always equal: the longest block first can cost more
    than it gains), and a pair whose LCS falls short is no near duplicate, decided in C.
    Otherwise the blocks are found as difflib finds them, each by substring search in C
    instead of difflib's dictionary of positions, but only until the answer is certain: the
    blocks found so far are a lower bound on M, and they plus the shorter side of each part
    still to search an upper bound (alike texts reach the threshold on their first one or two
    blocks). Without junk (autojunk=False, no isjunk) difflib's longest block is exactly the
    longest common substring, earliest in ``a``, then earliest in ``b``, which is what
    _longest_block returns (tests/test_near_duplicates.py checks both against difflib).
    """
    total = len(a) + len(b)
    if a == b or not total:
        return 1.0 >= threshold
    if 2.0 * lcs(a, b) / total < threshold:
        return False
    found = 0
    todo = [(0, len(a), 0, len(b))]
    room = min(len(a), len(b))  # what the blocks not yet found can add at most
    while todo:
        alo, ahi, blo, bhi = todo.pop()
        room -= min(ahi - alo, bhi - blo)
        i, j, k = _longest_block(a, b, alo, ahi, blo, bhi)
        if k:
            found += k
            if 2.0 * found / total >= threshold:
                return True
            if alo < i and blo < j:
                todo.append((alo, i, blo, j))
                room += min(i - alo, j - blo)
            if i + k < ahi and j + k < bhi:
                todo.append((i + k, ahi, j + k, bhi))
                room += min(ahi - i - k, bhi - j - k)
        if 2.0 * (found + room) / total < threshold:
            return False
    return 2.0 * found / total >= threshold


def matching_total(a: str, b: str) -> int:
    """M: what the matching blocks of difflib.SequenceMatcher(None, a, b, autojunk=False) add
    up to, found as similar_by_blocks finds them (for the tests)."""
    found = 0
    todo = [(0, len(a), 0, len(b))]
    while todo:
        alo, ahi, blo, bhi = todo.pop()
        i, j, k = _longest_block(a, b, alo, ahi, blo, bhi)
        if k:
            found += k
            if alo < i and blo < j:
                todo.append((alo, i, blo, j))
            if i + k < ahi and j + k < bhi:
                todo.append((i + k, ahi, j + k, bhi))
    return found


def _longest_block(a: str, b: str, alo: int, ahi: int, blo: int, bhi: int) -> tuple[int, int, int]:
    """(i, j, k): the longest a[i:i+k] == b[j:j+k] within a[alo:ahi] and b[blo:bhi], the
    earliest in a of those, then the earliest in b; (alo, blo, 0) if none. As
    SequenceMatcher.find_longest_match without junk.

    Scans a once: at each i, the block found so far is lengthened as long as a[i:i+k+1] is in
    b (substring search, in C; by doubling steps, then halving them); the first i where the
    final length is reached is the earliest, and b's first place of it the earliest there."""
    part = b[blo:bhi]
    best, k, i = alo, 0, alo
    while i + k < ahi:
        if a[i:i + k + 1] in part:
            # as long as it is at i: a[i:i+low] is in b, a[i:i+high] is not (or past the end)
            low, step = k + 1, 1
            while i + low + step <= ahi and a[i:i + low + step] in part:
                low += step
                step *= 2
            high = min(low + step, ahi - i + 1)
            while high - low > 1:
                mid = (low + high) // 2
                if a[i:i + mid] in part:
                    low = mid
                else:
                    high = mid
            best, k = i, low
        i += 1
    if not k:
        return alo, blo, 0
    return best, blo + part.find(a[best:best + k]), k


def _prefix(ordered: list[str], weight: dict[str, float], overlap: float) -> list[str]:
    """The first words of ``ordered`` that any text sharing words of this weight with it
    must share one of: up to where the words left weigh less than ``overlap``."""
    rest = sum(weight[w] for w in ordered)
    for k, w in enumerate(ordered):
        if rest < overlap * (1 - 1e-9):
            return ordered[:k]
        rest -= weight[w]
    return ordered


def _tagged_words(text: str) -> frozenset[str]:
    """The words of a text as a set, a repeated word tagged with its count ("the", "the#2")."""
    seen: Counter[str] = Counter()
    out = []
    for w in text.split():
        seen[w] += 1
        out.append(w if seen[w] == 1 else f"{w}#{seen[w]}")
    return frozenset(out)
