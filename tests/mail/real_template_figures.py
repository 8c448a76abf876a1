"""Measure codes and main links over the real-templates corpus (code_corpus/real_templates).

    python -m tests.mail.real_template_figures     # print the figures FIGURES.md records
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.mail.codes import extract_codes, extract_links, primary_link

CASES = Path(__file__).parent / "code_corpus" / "real_templates" / "cases.json"


def load_cases() -> list[dict[str, Any]]:
    """Every rendered mail: id, source, subject, text, html, codes (as shown), link."""
    cases: list[dict[str, Any]] = json.loads(CASES.read_text(encoding="utf-8"))
    return cases


def normalised(code: str) -> str:
    """A code without the spaces and dashes it is shown with ("KXQM-TRVA" is KXQMTRVA)."""
    return code.replace(" ", "").replace("-", "")


@dataclass
class Figures:
    """Top-code precision and recall, and main-link accuracy, with what went wrong."""

    mails: int = 0
    with_code: int = 0
    answered: int = 0
    right: int = 0
    with_link: int = 0
    link_right: int = 0
    link_spurious: int = 0  # a main link offered for a mail that has none
    without_link: int = 0
    wrong: list[tuple[str, str, list[str]]] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    link_wrong: list[tuple[str, str | None, str | None]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.right / self.answered if self.answered else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.with_code if self.with_code else 1.0

    @property
    def link_accuracy(self) -> float:
        return self.link_right / self.with_link if self.with_link else 1.0

    def summary(self) -> str:
        return (f"{self.mails} mails, {self.with_code} with a code, {self.with_link} with a main "
                f"link: code precision {self.precision:.3f} ({self.right}/{self.answered}), "
                f"recall {self.recall:.3f} ({self.right}/{self.with_code}); main link right "
                f"{self.link_accuracy:.3f} ({self.link_right}/{self.with_link}), offered where "
                f"there is none {self.link_spurious}/{self.without_link}")


def measure(cases: list[dict[str, Any]]) -> Figures:
    figures = Figures(mails=len(cases))
    for mail in cases:
        codes = extract_codes(mail["text"], mail["html"], mail["subject"])
        expected = [normalised(code) for code in mail["codes"]]
        top = codes[0].value if codes else None
        figures.with_code += bool(expected)
        if top is not None:
            figures.answered += 1
            if top in expected:
                figures.right += 1
            else:
                figures.wrong.append((mail["id"], top, expected))
        elif expected:
            figures.missed.append(mail["id"])
        link = primary_link(extract_links(mail["text"], mail["html"]))
        got = link.url if link else None
        if mail["link"]:
            figures.with_link += 1
            figures.link_right += got == mail["link"]
        else:
            figures.without_link += 1
            figures.link_spurious += got is not None
        if got != mail["link"]:
            figures.link_wrong.append((mail["id"], got, mail["link"]))
    return figures


if __name__ == "__main__":
    result = measure(load_cases())
    print(result.summary())
    for item in result.wrong + [(m, "-", []) for m in result.missed]:
        print("code", item)
    for item in result.link_wrong:
        print("link", item)
