"""Content warnings in `check`: what makes cards hard to learn, each at FILE:LINE:COL.

Each rule has a minimal workspace that trips it (with the exact warning line) and one just
under its threshold that does not.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from pathlib import Path

from deck_builder.sources.lint import (
    MAX_POINT_WORDS,
    MAX_POINTS,
    MAX_QUESTIONS_PER_STORY,
    NEAR_DUPLICATE_RATIO,
    content_warnings,
    near_duplicates,
    normalise,
    word_count,
)
from deck_builder.sources.workspace import load_workspace

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "decks" / "example"

# Questions of the built-in bank "second-interview", in bank order.
QIDS = ["career-prepared", "lessons-learned", "first-review", "collaboration", "managing-you", "career-goals"]

LONG_POINT = "Ran a network of three sites moving parcels every day for the largest retail client group."
POINT_15 = "Ran a network of three sites moving parcels every day for the largest retail client."


def warning_lines(cli, ws: Path) -> list[str]:
    """`check` passes; its warning lines, with the workspace folder written as {ws}."""
    result = cli("check", ws)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if ": warning: " in line]
    assert len(lines) == len(result.stderr.splitlines())
    return [line.replace(str(ws), "{ws}") for line in lines]


def answers_yaml(answers: dict[str, list[str]], stories: dict[str, list[str]] | None = None) -> str:
    out = []
    for qid, points in answers.items():
        out.append(f"{qid}:\n  points:\n")
        out += [f"    - {p}\n" for p in points]
        if stories and qid in stories:
            out.append("  stories:\n")
            out += [f"    - {s}\n" for s in stories[qid]]
    return "".join(out)


def test_thresholds_follow_card_design():
    assert (MAX_POINTS, MAX_POINT_WORDS, MAX_QUESTIONS_PER_STORY, NEAR_DUPLICATE_RATIO) == (5, 15, 4, 0.85)
    assert word_count(LONG_POINT) == 16
    assert word_count(POINT_15) == 15
    assert word_count("Cut errors <2% & kept multi-site NPS above 3-5") == 8  # "&" is no word


# -- 1. more than 5 points ------------------------------------------------------------------------

def test_six_points_on_an_answer(workspace, cli):
    ws = workspace({"answers.yaml": answers_yaml({"career-goals": [f"Point {n}." for n in range(1, 7)]})})
    assert warning_lines(cli, ws) == [
        "{ws}/answers.yaml:1:1: warning: points: 6 points are hard to recall as one answer; "
        "keep 3-5 and move the rest to notes",
    ]


def test_five_points_on_an_answer_are_fine(workspace, cli):
    ws = workspace({"answers.yaml": answers_yaml({"career-goals": [f"Point {n}." for n in range(1, 6)]})})
    assert warning_lines(cli, ws) == []


def company_yaml(tailoring: dict[str, list[str]]) -> str:
    out = ["name: Acme\ntailoring:\n"]
    for qid, points in tailoring.items():
        out.append(f"  {qid}:\n")
        out += [f"    - {p}\n" for p in points]
    return "".join(out)


def test_six_tailored_points(workspace, cli):
    ws = workspace({"companies/acme.yaml": company_yaml({"career-goals": [f"Point {n}." for n in range(1, 7)]})})
    # The tailoring list has no place of its own: the warning points at its first point.
    assert warning_lines(cli, ws) == [
        "{ws}/companies/acme.yaml:4:7: warning: tailoring for 'career-goals': 6 points are hard to recall "
        "as one answer; keep 3-5 and merge or drop the rest",
    ]


def test_five_tailored_points_are_fine(workspace, cli):
    ws = workspace({"companies/acme.yaml": company_yaml({"career-goals": [f"Point {n}." for n in range(1, 6)]})})
    assert warning_lines(cli, ws) == []


# -- 2. a point longer than 15 words ---------------------------------------------------------------

def test_long_point_on_an_answer(workspace, cli):
    ws = workspace({"answers.yaml": answers_yaml({"career-goals": ["Short point.", LONG_POINT]})})
    assert warning_lines(cli, ws) == [
        "{ws}/answers.yaml:4:7: warning: points: a point of 16 words is hard to recall; "
        "cut it to 15 words or fewer and put details in notes",
    ]


def test_long_tailored_point(workspace, cli):
    ws = workspace({"companies/acme.yaml": company_yaml({"career-goals": ["Short point.", LONG_POINT]})})
    assert warning_lines(cli, ws) == [
        "{ws}/companies/acme.yaml:5:7: warning: tailoring for 'career-goals': a point of 16 words is hard "
        "to recall; cut it to 15 words or fewer and put details in notes",
    ]


def test_fifteen_word_points_are_fine(workspace, cli):
    ws = workspace({
        "answers.yaml": answers_yaml({"career-goals": [POINT_15]}),
        "companies/acme.yaml": company_yaml({"career-goals": [POINT_15]}),
    })
    assert warning_lines(cli, ws) == []


# -- 3. a story result without a number ------------------------------------------------------------

def test_story_result_without_a_number(workspace, cli):
    ws = workspace({"stories.yaml": """
        launch:
          title: Launching the new depot
          result: Everyone was happy with how it went.
        """})
    assert warning_lines(cli, ws) == [
        "{ws}/stories.yaml:3:11: warning: result: no number, so the outcome is hard to remember and "
        "to believe; add a measure, like 'cut delays 18%'",
    ]


def test_story_results_with_digits_or_number_words_are_fine(workspace, cli):
    ws = workspace({"stories.yaml": """
        a:
          title: One
          result: Dwell time fell 35%.
        b:
          title: Two
          result: Cut the backlog by half.
        c:
          title: Three
          result: >-
            Complaints DOUBLED, then
            fell to three a week.
        d:
          title: Four
          result: Reused at twice as many sites.
        """})
    assert warning_lines(cli, ws) == []


# -- 4. a fact without a source ----------------------------------------------------------------------

def test_facts_without_a_source(workspace, cli):
    ws = workspace({"companies/acme.yaml": """
        name: Acme
        facts:
          - q: When was Acme founded?
            a: In 2006.
          - cloze: "Acme runs {{c1::6}} depots."
          - q: Where is Acme based?
            a: Millbrook.
            source: acme.example/about
        """})
    message = ("warning: fact: no source, so you cannot check it when it goes stale; "
               "add 'source:' saying where and when you found it")
    assert warning_lines(cli, ws) == [
        f"{{ws}}/companies/acme.yaml:3:5: {message}",
        f"{{ws}}/companies/acme.yaml:5:5: {message}",
    ]


def test_facts_with_a_source_are_fine(workspace, cli):
    ws = workspace({"companies/acme.yaml": """
        name: Acme
        facts:
          - q: When was Acme founded?
            a: In 2006.
            source: Annual report 2025, p. 2
          - cloze: "Acme runs {{c1::6}} depots."
            source: acme.example/about
        """})
    assert warning_lines(cli, ws) == []


# -- 5. one story behind more than 4 questions -------------------------------------------------------

STORIES = """
    peak:
      title: Recovering a failing peak
      result: Backlog cleared in 9 days.
    dock:
      title: Ending the dock-slot feud
      result: Dwell time fell 35%.
    """


def story_workspace(workspace, linking: int) -> Path:
    answers = {qid: [f"My point about {qid}."] for qid in QIDS[:linking]}
    # Each question also links a second story; one answer lists 'peak' twice (counts once).
    links = {qid: ["peak", "dock"] if n % 2 else ["peak"] for n, qid in enumerate(QIDS[:linking])}
    links[QIDS[0]] = ["peak", "peak"]
    answers["career-goals"] = ["Lead a bigger network."]
    links["career-goals"] = ["dock"]
    return workspace({"stories.yaml": STORIES, "answers.yaml": answers_yaml(answers, links)})


def test_story_behind_five_questions(workspace, cli):
    ws = story_workspace(workspace, 5)
    assert warning_lines(cli, ws) == [
        "{ws}/stories.yaml:1:1: warning: story 'peak' backs 5 answers (career-prepared, lessons-learned, "
        "first-review, collaboration, managing-you); one panel notices the same story told again; "
        "link another story to some of them",
    ]


def test_story_behind_four_questions_is_fine(workspace, cli):
    ws = story_workspace(workspace, 4)
    assert warning_lines(cli, ws) == []


# -- 6. near duplicates --------------------------------------------------------------------------------

def test_near_duplicate_answers(workspace, cli):
    ws = workspace({"answers.yaml": """
        career-goals:
          points:
            - Lead a multi-site network that beats cost and service targets.
            - Build a bench of site managers.
        first-review:
          points:
            - Getting to know the team.
        managing-you:
          points:
            - "Lead a multi-site network that beats its cost and service targets!"
            - Build a bench of **site managers**.
        """})
    assert warning_lines(cli, ws) == [
        "{ws}/answers.yaml:8:1: warning: answer to 'managing-you' is nearly the same as the answer to "
        "'career-goals' (line 1); similar cards get mixed up in review; merge them or make each answer distinct",
    ]


def test_near_duplicate_facts(workspace, cli):
    ws = workspace({"companies/acme.yaml": """
        name: Acme
        facts:
          - cloze: "Acme runs {{c1::6}} fulfilment centres and {{c2::38}} depots."
            source: Annual report
          - q: Where is Acme based?
            a: Millbrook.
            source: acme.example/about
          - id: centres-again
            cloze: "Acme runs {{c1::six}} fulfilment centres and {{c1::38}} depots"
            source: Annual report
          - id: depots
            cloze: "Acme runs 6 fulfilment centres and {{c1::38 delivery depots}}."
            source: Annual report
        """})
    message = ("warning: fact: nearly the same as the fact at line 3; "
               "similar cards get mixed up in review; merge them or make the difference clear")
    assert warning_lines(cli, ws) == [
        f"{{ws}}/companies/acme.yaml:8:5: {message}",
        f"{{ws}}/companies/acme.yaml:11:5: {message}",
    ]


# Just under the threshold: one word changed in a short fact.
UNDER_A = "What was Acme's revenue in 2024? $600M."
UNDER_B = "What was Acme's profit in 2024? $60M."


def test_facts_just_under_the_near_duplicate_ratio_are_fine(workspace, cli):
    ratio = SequenceMatcher(None, normalise(UNDER_A), normalise(UNDER_B), autojunk=False).ratio()
    assert 0.8 <= ratio < NEAR_DUPLICATE_RATIO
    question_a, answer_a = UNDER_A.split("? ")
    question_b, answer_b = UNDER_B.split("? ")
    ws = workspace({"companies/acme.yaml": f"""
        name: Acme
        facts:
          - q: "{question_a}?"
            a: "{answer_a}"
            source: Annual report
          - q: "{question_b}?"
            a: "{answer_b}"
            source: Annual report
        """})
    assert warning_lines(cli, ws) == []


def test_answers_just_under_the_near_duplicate_ratio_are_fine(workspace, cli):
    ratio = SequenceMatcher(None, normalise(UNDER_A), normalise(UNDER_B), autojunk=False).ratio()
    assert ratio < NEAR_DUPLICATE_RATIO
    ws = workspace({"answers.yaml": answers_yaml({"career-goals": [f'"{UNDER_A}"'],
                                                  "managing-you": [f'"{UNDER_B}"']})})
    assert warning_lines(cli, ws) == []


def test_near_duplicates_names_the_first_earlier_text_in_any_order():
    texts = ["lead a multi site network that beats cost targets",
             "something else entirely about parcels",
             "lead a multi site network that beats its cost targets",
             "lead a multi site network that beats cost target"]
    assert near_duplicates(texts) == {2: 0, 3: 0}
    assert near_duplicates(texts[::-1]) == {1: 0, 3: 0}
    assert near_duplicates([]) == {} and near_duplicates(["", ""]) == {}


def test_near_duplicates_of_thousands_of_facts_stay_fast():
    import random

    rng = random.Random(7)
    # 1,500 made-up words, used as often as words in English text are (the n-th most common
    # about 1/n as often as the first), so that many facts share common words.
    vocabulary = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(2, 9))) for _ in range(1500)]
    weights = [1 / rank for rank in range(1, len(vocabulary) + 1)]

    def words(low: int, high: int) -> str:
        return " ".join(rng.choices(vocabulary, weights, k=rng.randint(low, high)))

    texts = [normalise(f"What is Acme's {words(5, 12)}? {words(5, 25)}") for _ in range(2000)]
    texts[1500] = texts[20] + " too"
    found = near_duplicates(texts)  # every pair by difflib would take minutes; the filter makes it ~1 s
    assert found[1500] == 20


# -- check --------------------------------------------------------------------------------------------

def test_check_strict_fails_on_a_content_warning(workspace, cli):
    ws = workspace({"answers.yaml": answers_yaml({"career-goals": ["Short point.", LONG_POINT]})})
    relaxed = cli("check", ws)
    assert relaxed.exit_code == 0
    assert "No errors, 1 warning;" in relaxed.stdout
    strict = cli("check", ws, "--strict")
    assert strict.exit_code == 1
    assert strict.stderr.splitlines() == [
        f"{ws}/answers.yaml:4:7: warning: points: a point of 16 words is hard to recall; "
        "cut it to 15 words or fewer and put details in notes",
        "--strict: warnings count as errors.",
    ]


def test_content_warnings_print_sorted_with_the_other_warnings(workspace, cli):
    ws = workspace({
        "answers.yaml": answers_yaml({"career-goals": [LONG_POINT]}),
        "stories.yaml": "launch:\n  title: Launch\n  result: It went well.\n",
        "questions/extra.yml": "bank: Extra\nquestions: []\n",
    })
    result = cli("check", ws)
    assert result.exit_code == 0, result.output
    lines = [line.replace(str(ws), "{ws}") for line in result.stderr.splitlines()]
    assert [line.split(": warning: ")[0] for line in lines] == [
        "{ws}/answers.yaml:3:7", "{ws}/questions/extra.yml", "{ws}/stories.yaml:3:11",
    ]
    assert "No errors, 3 warnings;" in result.stdout


def test_example_workspace_has_no_content_warnings(example, cli):
    ws, _ = load_workspace(EXAMPLE)
    assert content_warnings(ws) == []
    result = cli("check", example, "--strict")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


def test_two_company_files_with_most_facts_the_same_are_named(workspace, cli):
    facts = ("facts:\n  - q: When was Acme founded?\n    a: '1999'\n    source: acme.com\n"
             "  - q: Where is Acme based?\n    a: Leeds\n    source: acme.com\n")
    ws = workspace({"companies/acme.yaml": "name: Acme\n" + facts,
                    "companies/acme-ltd.yaml": "name: Acme Ltd\n" + facts})
    result = cli("check", ws)
    assert result.exit_code == 0, result.output
    assert [line for line in result.stderr.splitlines() if "company:" in line] == [
        f"{ws}/companies/acme.yaml:1:7: warning: company: 2 of its facts are also in {ws}/companies/acme-ltd.yaml "
        "('Acme Ltd'), so each is on two cards: if both files are one company, keep one file (merge what the other "
        "adds, then delete it)"
    ]
