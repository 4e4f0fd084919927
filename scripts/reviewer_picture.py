"""Compose docs/reviewer.png from the real reviewer's screenshots that tests/test_reviewer.py saves.

    python -m pytest tests/test_reviewer.py && python scripts/reviewer_picture.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHOTS = REPO / "test-artifacts" / "anki"
CARDS = ["answer-back-dark-400px", "person-back-light-400px", "cloze-fact-back-dark-400px"]


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PyQt6.QtCore import Qt
    from PyQt6.QtGui import QColor, QImage, QPainter
    from PyQt6.QtWidgets import QApplication

    missing = [n for n in CARDS if not (SHOTS / f"{n}.png").exists()]
    if missing:
        print(f"no screenshots yet ({', '.join(missing)}): run  python -m pytest tests/test_reviewer.py  first")
        return 1
    app = QApplication([])  # noqa: F841 - QImage and QPainter need one
    images = [QImage(str(SHOTS / f"{n}.png")) for n in CARDS]
    gap = 16
    width = sum(i.width() for i in images) + gap * (len(images) - 1)
    out = QImage(width, max(i.height() for i in images), QImage.Format.Format_RGB32)
    out.fill(QColor("#ffffff"))
    painter = QPainter(out)
    x = 0
    for image in images:
        painter.drawImage(x, 0, image)
        x += image.width() + gap
    painter.end()
    out = out.scaledToWidth(int(width * 0.75), Qt.TransformationMode.SmoothTransformation)
    target = REPO / "docs" / "reviewer.png"
    out.save(str(target), "PNG", 0)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
