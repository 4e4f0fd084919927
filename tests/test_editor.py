"""The editor schemas in a real editor engine: the YAML language server (Red Hat's
yaml-language-server, which VS Code's YAML extension, Neovim's yamlls, Helix and Zed run),
driven over the Language Server Protocol on stdio as an editor drives it.

It proves what the schema files alone cannot: that the first line of each file finds its
schema (relative to the file, from subfolders too), that hover shows docs/format.md's words,
that completion offers the keys and the built-in question ids, and that values YAML 1.2 types
as numbers, booleans or null are not flagged where deck-builder reads text.

The server is installed from the npm registry on first use into test-artifacts/ (.ci/run
installs Node.js and npm when they are missing).
"""

from __future__ import annotations

import json
import queue
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
from conftest import REPO, write_files

from deck_builder.sources import keys
from deck_builder.sources.schema import wire_workspace

VERSION = "1.19.2"  # the last release that runs on Node.js 20 (2.x needs 22.13)
SERVER = REPO / "test-artifacts" / "yaml-language-server"
SETTINGS = {"yaml": {"validate": True, "hover": True, "completion": True, "schemaStore": {"enable": False},
                     "format": {"enable": False}, "yamlVersion": "1.2"}}


def _server_script() -> Path:
    script = SERVER / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"
    if not script.is_file():
        if not shutil.which("npm") or not shutil.which("node"):
            pytest.fail("these tests need Node.js and npm: apt-get install nodejs npm")
        SERVER.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(SERVER), "--no-audit", "--no-fund", "--no-save",
                        "--loglevel=error", f"yaml-language-server@{VERSION}"], check=True, timeout=600)
    return script


class LanguageServer:
    """A client of one language server process: JSON-RPC with Content-Length framing."""

    def __init__(self, root: Path):
        self.proc = subprocess.Popen(["node", str(_server_script()), "--stdio"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.inbox: queue.Queue = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()
        uri = root.as_uri()
        self.request("initialize", {
            "processId": None, "rootUri": uri, "workspaceFolders": [{"uri": uri, "name": "workspace"}],
            "capabilities": {"workspace": {"configuration": True},
                             "textDocument": {"hover": {"contentFormat": ["markdown", "plaintext"]},
                                              "completion": {"completionItem": {"documentationFormat": ["markdown"]}},
                                              "publishDiagnostics": {}}},
        })
        self.notify("initialized", {})
        self.notify("workspace/didChangeConfiguration", {"settings": SETTINGS})

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            headers = {}
            while (line := out.readline().decode().strip()):
                name, value = line.split(":", 1)
                headers[name.lower()] = value.strip()
            if not headers:
                return  # the server has ended
            self.inbox.put(json.loads(out.read(int(headers["content-length"]))))

    def _send(self, message: dict) -> None:
        data = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(data), data))
        self.proc.stdin.flush()

    def notify(self, method: str, params: dict) -> None:
        self._send({"method": method, "params": params})

    def request(self, method: str, params: dict):
        self.next_id += 1
        rid = self.next_id
        self._send({"id": rid, "method": method, "params": params})
        return self._wait(lambda m: m.get("id") == rid and "method" not in m)["result"]

    def _wait(self, wanted, timeout: float = 60):
        end = time.monotonic() + timeout
        while True:
            message = self.inbox.get(timeout=max(0.1, end - time.monotonic()))
            if "method" in message and "id" in message:  # the server asks the editor something
                result = None
                if message["method"] == "workspace/configuration":
                    result = [SETTINGS.get(item.get("section"), SETTINGS) for item in message["params"]["items"]]
                self._send({"id": message["id"], "result": result})
            elif wanted(message):
                return message

    def open(self, path: Path) -> list[tuple[int, str]]:
        """Open a file as the editor does -> its diagnostics as (line, message), lines from 1."""
        uri = path.as_uri()
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1,
                                                              "text": path.read_text(encoding="utf-8")}})
        published = self._wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                               and m["params"]["uri"] == uri)
        return sorted((d["range"]["start"]["line"] + 1, d["message"]) for d in published["params"]["diagnostics"])

    def hover(self, path: Path, line: int, col: int) -> str:
        """The hover text at LINE:COL (from 1), as the editor would show it."""
        result = self.request("textDocument/hover", {"textDocument": {"uri": path.as_uri()},
                                                     "position": {"line": line - 1, "character": col - 1}})
        return result["contents"]["value"] if result else ""

    def complete(self, path: Path, line: int, col: int) -> dict[str, str]:
        """Completion at LINE:COL -> {label: documentation}."""
        result = self.request("textDocument/completion", {"textDocument": {"uri": path.as_uri()},
                                                          "position": {"line": line - 1, "character": col - 1}})
        items = result["items"] if isinstance(result, dict) else result
        docs = {}
        for item in items:
            doc = item.get("documentation", "")
            docs[item["label"]] = doc.get("value", "") if isinstance(doc, dict) else doc
        return docs

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def editor(tmp_path):
    """make(workspace folder) -> a language server for it (stopped after the test)."""
    servers = []

    def make(root: Path) -> LanguageServer:
        servers.append(LanguageServer(root))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line.startswith(text))


def _first_words(markdown: str) -> str:
    return markdown.split(". ")[0]


def test_every_starter_file_finds_its_schema_and_hover_shows_the_docs(tmp_path, cli, editor):
    ws = tmp_path / "ws"
    assert cli("init", ws).exit_code == 0
    server = editor(ws)
    for rel, key, record in [("deck.yaml", "deck", keys.SETTINGS), ("questions/my-questions.yaml", "bank", keys.BANK),
                             ("stories.yaml", "  title", keys.STORY), ("companies/example-co.yaml", "name", keys.COMPANY),
                             ("answers.yaml", "  points", keys.ANSWER)]:
        path = ws / rel
        assert server.open(path) == [], rel
        shown = server.hover(path, _line_of(path, key + ":"), len(key))
        assert _first_words(record[key.strip()].meaning) in shown, (rel, shown)


def test_hover_on_an_answer_shows_its_question(tmp_path, cli, editor):
    ws = tmp_path / "ws"
    assert cli("init", ws).exit_code == 0
    server = editor(ws)
    path = ws / "answers.yaml"
    server.open(path)
    assert "What are your career goals and aspirations?" in server.hover(path, _line_of(path, "career-goals:"), 3)


def test_completion_offers_the_keys_and_the_built_in_questions(tmp_path, editor):
    ws = write_files(tmp_path / "ws", {"answers.yaml": "\n", "companies/acme.yaml": "name: Acme\n\n"})
    wire_workspace(ws)
    server = editor(ws)
    answers = ws / "answers.yaml"
    server.open(answers)
    offered = server.complete(answers, 2, 1)
    assert {"career-goals", "obstacles", "teamwork"} <= set(offered)
    assert "What are your career goals and aspirations?" in offered["career-goals"]
    company = ws / "companies" / "acme.yaml"
    server.open(company)
    offered = server.complete(company, 3, 1)
    assert {"role", "facts", "products", "people", "tailoring", "questions_to_ask"} <= set(offered)
    assert "name" not in offered  # already there


def test_editor_marks_shape_mistakes_where_they_are(tmp_path, editor):
    ws = write_files(tmp_path / "ws", {
        "answers.yaml": """\
            career-goals:
              point:
                - Lead a team.
            obstacles:
              points: Lead a team.
            first-review:
              points:
                - Note: keep it short
            """,
        "stories.yaml": "Big_Win:\n  title: T\n  result: R\n",
        "deck.yaml": "tts: english\npoint_cards: maybe\nbanks: [second-interviw]\n",
        "companies/acme.yaml": "name: Acme\nfacts:\n  - cloze: '{{c1::6}} depots'\n    q: How many?\npeople:\n  - name: Jo\n",
    })
    wire_workspace(ws)
    server = editor(ws)
    assert server.open(ws / "answers.yaml") == [
        (2, 'Missing property "points".'),
        (3, "Property point is not allowed."),
        (6, "expected a list (lines starting with '- ')"),
        (9, "expected text (put text that contains ': ' or starts with { or [ in quotes)"),
    ]
    assert server.open(ws / "stories.yaml") == [
        (2, "a story id: not a valid id: use lowercase letters, digits and hyphens, like 'why-us'")]
    assert server.open(ws / "deck.yaml") == [
        (2, "not a locale; write it like en_US or de_DE"),
        (3, "expected true or false"),
        (4, 'Value is not accepted. Valid values: "behavioral", "second-interview".'),
    ]
    assert server.open(ws / "companies" / "acme.yaml") == [
        (5, "Property q is not allowed."),
        (7, 'Missing property "role".'),
    ]


def test_editor_takes_numbers_booleans_and_dates_as_the_text_they_are(tmp_path, cli, editor):
    from test_schemas import TYPED_AS_NUMBERS_AND_BOOLEANS

    ws = write_files(tmp_path / "ws", TYPED_AS_NUMBERS_AND_BOOLEANS)
    wire_workspace(ws)
    server = editor(ws)
    for rel in TYPED_AS_NUMBERS_AND_BOOLEANS:
        assert server.open(ws / rel) == [], rel


def test_a_file_moved_into_a_subfolder_finds_its_schema_once_rewired(tmp_path, editor):
    ws = write_files(tmp_path / "ws", {"companies/acme.yaml": "name: Acme\nrol: CEO\n"})
    wire_workspace(ws)
    (ws / "companies" / "active").mkdir()
    moved = ws / "companies" / "active" / "acme.yaml"
    (ws / "companies" / "acme.yaml").rename(moved)
    server = editor(ws)
    before = server.open(moved)
    assert len(before) == 1 and "Unable to load schema" in before[0][1], before  # as the editor shows it
    assert wire_workspace(ws).corrected == ["companies/active/acme.yaml"]
    again = editor(ws)
    assert again.open(moved) == [(3, "Property rol is not allowed.")]
