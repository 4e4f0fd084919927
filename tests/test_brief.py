"""deck-builder brief: everything about one company on one or two printed pages."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest

from deck_builder.rehearse.brief import questions_for
from deck_builder.sources.textrules import strip_cloze
from deck_builder.sources.workspace import load_workspace

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def page_text(page: str) -> str:
    body = page.split("</style>", 1)[-1]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", body)).split())


def norm(text) -> str:
    text = re.sub(r"\*\*|`|\*", "", str(text))  # the brief renders Markdown emphasis
    return " ".join(text.replace("{company}", "Northwind Parcel").replace("{role}", "Director of Fulfilment Operations").split())


def test_brief_has_every_fact_person_tailored_point_and_question(example, cli):
    result = cli("brief", example, "--company", "northwind")
    assert result.exit_code == 0, result.output
    out = example / "build" / "brief-northwind.html"
    assert result.stdout == f"Wrote {out} (9 answers)\n"
    text = page_text(out.read_text(encoding="utf-8"))
    ws, _ = load_workspace(str(example))
    c = ws.companies["northwind"]
    assert "Director of Fulfilment Operations at Northwind Parcel" in text
    for fact in c.facts:
        if fact.cloze is not None:
            assert norm(strip_cloze(fact.cloze)) in text
        else:
            assert norm(fact.q) in text and norm(fact.a) in text
    for p in c.products:
        assert norm(p.name) in text and norm(p.about) in text
    for p in c.people:
        assert norm(p.name) in text and norm(p.role) in text and norm(p.notes) in text
    for points in c.tailoring.values():
        for point in points:
            assert norm(point) in text
    for ask in c.questions_to_ask:
        assert norm(ask) in text
    # tailored points come before the general ones of the same question
    assert text.index("Ran 3 sites at 180,000 parcels a day") < text.index("12 years in parcel operations")


def test_brief_escapes_user_text(workspace, cli, tmp_path):
    ws = workspace({"companies/acme.yaml": """
        name: 'A&B <Co>'
        facts:
          - q: '<script>alert(1)</script>?'
            a: 'x < y & "z"'
        questions_to_ask: ['<img src=x onerror=alert(2)>']
        """})
    out = tmp_path / "b.html"
    assert cli("brief", ws, "--company", "acme", "-o", out).exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page and "<img src=x" not in page
    assert "A&amp;B &lt;Co&gt;" in page and "x &lt; y &amp; &quot;z&quot;" in page
    md = tmp_path / "b.md"
    assert cli("brief", ws, "--company", "acme", "--format", "md", "-o", md).exit_code == 0
    text = md.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;?" in text and "<script" not in text
    assert text.startswith("# The role at A&amp;B &lt;Co&gt;\n")


def test_markdown_brief(example, cli):
    result = cli("brief", example, "--company", "northwind", "--format", "md")
    assert result.exit_code == 0
    text = (example / "build" / "brief-northwind.md").read_text(encoding="utf-8")
    assert text.startswith("# Director of Fulfilment Operations at Northwind Parcel\n")
    assert "## People you will meet" in text and "- **Dana Okafor**, VP Operations (hiring manager): " in text
    assert "Northwind runs **6** fulfilment centres and **38** delivery depots." in text
    assert "## Your questions for them\n\n1. What would success look like" in text


def test_unknown_company(example, cli):
    result = cli("brief", example, "--company", "northwnd")
    assert result.exit_code == 1
    assert "error: no company 'northwnd' (did you mean 'northwind'?); the companies are: northwind" in result.stderr


def printed_pages(page_file: Path, paper: str) -> int:
    """Print the page to PDF with headless Chromium, as a browser's Print would; count its pages."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="the test extras install playwright")
    assert Path(CHROMIUM).exists(), "headless Chromium is needed: apt-get install chromium (.ci/run does)"
    pdf = page_file.with_name(f"{page_file.stem}-{paper}.pdf")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu",
                                                                      "--disable-background-networking"])
        page = browser.new_page()
        page.goto(page_file.as_uri())
        page.pdf(path=str(pdf), format=paper, print_background=True)
        browser.close()
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_brief_prints_on_at_most_two_pages(example, cli, paper):
    cli("brief", example, "--company", "northwind")
    pages = printed_pages(example / "build" / "brief-northwind.html", paper)
    assert 1 <= pages <= 2, f"{pages} pages on {paper}"


BEHAVIORAL = ["teamwork", "conflict-colleague", "disagree-manager", "failure", "leadership-without-title",
              "influence-without-authority", "prioritisation", "tight-deadline"]


def with_more_answers(example: Path) -> Path:
    """The example with the behavioral bank and eight more answers: 17 in all."""
    deck = example / "deck.yaml"
    deck.write_text(deck.read_text().replace("banks:\n  - second-interview\n",
                                             "banks:\n  - second-interview\n  - behavioral\n"))
    extra = "".join(
        f"{qid}:\n  points:\n"
        + "".join(f"    - Point {n} about {qid}, with the detail a panel will probe for.\n" for n in range(1, 5))
        + "  stories: [dock-slot-dispute]\n"
        for qid in BEHAVIORAL)
    answers = example / "answers.yaml"
    answers.write_text(answers.read_text() + "\n" + extra)
    return example


def test_a_long_brief_says_how_to_shorten_it_and_questions_keeps_the_most_useful(example, cli):
    ws = with_more_answers(example)
    # rated in mock interviews: "failure" missed (1), "teamwork" nailed (4)
    history = ws / ".deck-builder" / "mock-history.jsonl"
    history.parent.mkdir()
    history.write_text("".join(
        json.dumps({"time": "2026-11-20T10:00:00+00:00", "question": q, "company": None, "rating": r, "seconds": 90.0})
        + "\n" for q, r in [("failure", 1), ("teamwork", 4)]))
    result = cli("brief", ws, "--company", "northwind")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == [
        "About 9 answers fit on two printed pages; for a shorter brief, --questions 9 keeps the tailored "
        "ones and those you rated weakest in mocks."]
    assert printed_pages(ws / "build" / "brief-northwind.html", "A4") > 2  # the hint is needed

    out = ws / "build" / "short.html"
    result = cli("brief", ws, "--company", "northwind", "--questions", "9", "-o", out)
    assert result.stdout == f"Wrote {out} (9 answers)\n"
    text = page_text(out.read_text(encoding="utf-8"))
    assert "8 more answers are in your deck, not on this page." in text
    loaded, _ = load_workspace(str(ws))
    shown = questions_for(loaded, loaded.companies["northwind"], 9, {"failure": 1, "teamwork": 4})
    # the three tailored questions first; then the missed one and those never practised; the nailed one waits
    assert [q.id for q in shown][:3] == ["career-prepared", "difficult-decision", "why-this-company"]
    assert "failure" in [q.id for q in shown] and "teamwork" not in [q.id for q in shown]
    assert norm(loaded.questions["failure"].ask) in text and norm(loaded.questions["teamwork"].ask) not in text
    for paper in ("A4", "Letter"):
        assert printed_pages(out, paper) <= 2, paper


def test_tailored_and_general_points_are_one_numbered_answer_with_both_lists_labelled(example, cli):
    cli("brief", example, "--company", "northwind")
    page = (example / "build" / "brief-northwind.html").read_text(encoding="utf-8")
    item = page.split('<div class="q">Please detail how your career', 1)[1].split('<div class="item">', 1)[0]
    assert '<div class="label">For Northwind Parcel</div><ol class="tailored-points">' in item
    assert '<div class="label">Your points</div><ol class="points" start="3">' in item  # 2 tailored points first
    cli("brief", example, "--company", "northwind", "--format", "md")
    md = (example / "build" / "brief-northwind.md").read_text(encoding="utf-8")
    assert ("For Northwind Parcel:\n1. Ran 3 sites at 180,000 parcels a day; running 6 is the natural next step.\n"
            "2. Peak recovery maps to Northwind's 1.1 million-parcel peak days.\n\nYour points:\n\n"
            "3. 12 years in parcel operations") in md


def test_brief_needs_no_company_when_the_workspace_has_one(example, cli, workspace):
    result = cli("brief", example)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Wrote {example / 'build' / 'brief-northwind.html'} (9 answers)\n"
    (example / "companies" / "globex.yaml").write_text("name: Globex\n")
    result = cli("brief", example)
    assert result.exit_code == 1
    assert result.stderr == "error: which company? give --company ID; the companies are: globex, northwind\n"
    none = workspace({"answers.yaml": "career-goals:\n  points: [Lead a team.]\n"})
    result = cli("brief", none)
    assert result.exit_code == 1
    assert result.stderr == ("error: brief is about one company, and there is none yet: "
                             "add its research as companies/ID.yaml\n")
