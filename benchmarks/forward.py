"""What bringing rehearsed cards forward adds to a push with Anki closed (the engine's path).

    python benchmarks/forward.py [--runs N] [--sizes 1000,10000]

For each size, generates benchmarks/scale.py's workspace with key-point cards on, pushes it
once into deck-builder's own collection (a temporary folder), makes every card a review card
due in 10 days, and writes a history with one line per answered question: half rated 2
(every card of the question comes forward), half rated 3 with key point 2 not heard (its one
card). Then times push.forward.bring_forward itself, in the process, as push calls it (the
collection open, its notes read back): reading the history and the ledger, matching points,
reading the cards' states, changing their due dates and writing the ledger. Before each run
the ledger is removed and the dues are put back. Prints the lines, the cards changed and the
median time; and a second push's share, with nothing left to apply.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path

from scale import make_workspace


def main() -> None:
    from deck_builder.build import build_deck
    from deck_builder.push import PushOptions, push_workspace
    from deck_builder.push.collection import OpenCollection
    from deck_builder.push.forward import bring_forward, ledger_path
    from deck_builder.push.outcome import Delivery
    from deck_builder.push.own import own_collection
    from deck_builder.rehearse.mock import PointCheck, Practice, append_history

    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="1000,10000")
    args = parser.parse_args()
    print(f"{'notes':>6} {'cards':>6} {'lines':>6} {'changed':>8} {'bring forward':>14} {'nothing left':>13}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            root = Path(tmp) / f"ws{size}"
            make_workspace(root, size)
            (root / "deck.yaml").write_text("deck: Scale\nbanks: []\n")  # key-point cards on
            own = Path(tmp) / f"own{size}"
            pushed = push_workspace(str(root), options=PushOptions(own=True, own_folder=own, backup=False,
                                                                   bring_forward=False))
            assert pushed.ok, pushed.error
            questions = sorted(build_deck(str(root), Path(tmp) / "again.apkg").workspace.answers.items())
            for i, (qid, answer) in enumerate(questions):
                checks = () if i % 2 == 0 else tuple(PointCheck(str(p), k != 1, k != 1)
                                                      for k, p in enumerate(answer.points))
                append_history(root, Practice(qid, None, 2 if i % 2 == 0 else 3, 30.0,
                                              f"2026-12-04T10:{i // 60 % 60:02d}:{i % 60:02d}+00:00", points=checks))
            result = build_deck(str(root), Path(tmp) / "again.apkg")
            times, rest, changed, lines, cards = [], [], 0, 0, 0
            with OpenCollection(own_collection(own)) as col:
                after = col.snapshot(result.plan)
                cards = col.col.db.scalar("select count() from cards")
                for _ in range(args.runs):
                    ledger_path(root).unlink(missing_ok=True)
                    today = col.col.sched.today
                    col.col.db.execute("update cards set type = 2, queue = 2, ivl = 10, due = ?", today + 10)
                    delivery = Delivery(via="")
                    start = time.perf_counter()
                    bring_forward(delivery, result.workspace, result.plan, after, col)
                    times.append(time.perf_counter() - start)
                    lines = len(delivery.brought_forward)
                    changed = col.col.db.scalar("select count() from cards where due = ?", today)
                    start = time.perf_counter()
                    bring_forward(Delivery(via=""), result.workspace, result.plan, after, col)
                    rest.append(time.perf_counter() - start)
            print(f"{size:>6} {cards:>6} {lines:>6} {changed:>8} {statistics.median(times) * 1000:>11.0f} ms"
                  f" {statistics.median(rest) * 1000:>10.0f} ms")


if __name__ == "__main__":
    main()
