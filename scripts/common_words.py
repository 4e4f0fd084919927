"""Write deck_builder/rehearse/common-words.txt: the 3,000 commonest words of pocketsphinx's
bundled US-English language model that its dictionary can say, most common first.

    python scripts/common_words.py

listen.py adds them to every question's small language model: without them, a model that
knows only the user's own points hears those points in whatever was said (issue 16 measured
6-10 false matches in 38 without them, none with them). Run again after a pocketsphinx
upgrade that changes the model; the ARPA text it writes on the way is about 130 MB, in a
temporary folder.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "deck_builder" / "rehearse" / "common-words.txt"
COUNT = 3000
WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def main() -> None:
    import pocketsphinx

    model = Path(pocketsphinx.get_model_path()) / "en-us"
    with tempfile.TemporaryDirectory() as tmp:
        arpa = Path(tmp) / "en-us.arpa"
        # In a child process: pocketsphinx 5.1.1 crashes part way through writing the trigrams
        # (measured 2026-12-04); the unigrams, written first, are whole when the 2-grams begin.
        code = ("import pocketsphinx as ps, sys\n"
                f"lm = ps.NGramModel(ps.Config(), ps.LogMath(), {str(model / 'en-us.lm.bin')!r})\n"
                f"lm.write({str(arpa)!r}, ps.NGramModel.str_to_type('arpa'))\nsys.stdout.flush()\nimport os; os._exit(0)\n")
        subprocess.run([sys.executable, "-c", code])
        said = {line.split(None, 1)[0] for line in
                (model / "cmudict-en-us.dict").read_text(encoding="utf-8").splitlines() if line.strip()}
        unigrams = []
        with open(arpa, encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("\\1-grams"):
                    break
            for line in fh:
                if line.startswith("\\2-grams"):
                    break
                parts = line.split("\t")
                if len(parts) >= 2 and WORD.fullmatch(parts[1]) and parts[1] in said:
                    unigrams.append((float(parts[0]), parts[1]))
            else:
                sys.exit(f"{arpa}: the unigrams were not written whole")
    unigrams.sort(key=lambda u: -u[0])
    words = [w for _, w in unigrams[:COUNT]]
    OUT.write_text("".join(w + "\n" for w in words), encoding="utf-8")
    print(f"{OUT}: {len(words)} words, from {words[0]!r} to {words[-1]!r}")
    os._exit(0)


if __name__ == "__main__":
    main()
