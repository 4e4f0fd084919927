"""deck-builder brief: everything about one company on one or two printed pages."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest

from deck_builder.textrules import strip_cloze
from deck_builder.workspace import load_workspace

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
    assert result.stdout == f"Wrote {out}\n"
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


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_brief_prints_on_at_most_two_pages(example, cli, paper):
    sync_api = pytest.importorskip("playwright.sync_api", reason="the test extras install playwright")
    assert Path(CHROMIUM).exists(), "headless Chromium is needed: apt-get install chromium (.ci/run does)"
    cli("brief", example, "--company", "northwind")
    page_file = example / "build" / "brief-northwind.html"
    pdf = example / "build" / f"brief-{paper}.pdf"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu",
                                                                      "--disable-background-networking"])
        page = browser.new_page()
        page.goto(page_file.as_uri())
        page.pdf(path=str(pdf), format=paper, print_background=True)
        browser.close()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    assert 1 <= pages <= 2, f"{pages} pages on {paper}"
