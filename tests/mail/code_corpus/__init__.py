"""The code corpus (see README.md here): transactional mail in ten languages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
HOLDOUT = HERE / "holdout"


@dataclass(frozen=True)
class Mail:
    id: str
    expected: str | None  # the code as the mail writes it, or None
    kind: str  # "text" or "html"
    after: str
    subject: str
    body: str

    @property
    def code(self) -> str | None:
        """The expected code without the spaces and dashes it is shown with."""
        return None if self.expected is None else self.expected.replace(" ", "").replace("-", "")

    @property
    def text(self) -> str:
        return self.body if self.kind == "text" else ""

    @property
    def html(self) -> str:
        return self.body if self.kind == "html" else ""


def load(folder: Path = HERE) -> list[Mail]:
    """The tuning corpus, or with folder=HOLDOUT the mails written after the tuning."""
    mails = []
    for path in sorted(folder.glob("*.txt")):
        for block in path.read_text(encoding="utf-8").split("\n=== ")[0:]:
            block = block.removeprefix("=== ")
            header, _, rest = block.partition("\n")
            ident, expected, kind, after = (part.strip() for part in header.split(" | ", 3))
            subject_line, _, body = rest.partition("\n\n")
            assert subject_line.startswith("Subject: "), ident
            assert kind in ("text", "html"), ident
            mails.append(Mail(ident, None if expected == "-" else expected, kind,
                              after.removeprefix("after "), subject_line[9:], body.strip()))
    return mails
