"""`xingban eval answers`: parent questions through the real signed webhook, judged on the reply.

The question set (knowledge/eval/answers_heldout2.yaml) was written from the five documents alone by
someone who never read knowledge/ or intents/data/; it is frozen and must never be used for tuning.
Each item is sent as a fresh family: its turns in order, then — if the bot asks which region — the
parent's `region_reply`. Only the reply to the last message is judged:

- wrong: a `must_not` string, a forbidden first word, or a citation of another document only;
- right: every fact group and the expected citation (for `expect: handover`: handed to a person);
- handover: handed to a volunteer although the documents answer it;
- menu/question: a menu or a question instead of the answer;
- other: anything else (an answer without the fact).
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

VERDICTS = ("right", "wrong", "handover", "menu/question", "other")
DEFAULT_SET = Path(__file__).resolve().parent.parent / "knowledge" / "eval" / "answers_heldout2.yaml"
_DOCUMENT_NUMBER = re.compile(r"[\u4e00-\u9fff]+〔\d{4}〕\d+号")
_REGION_LABEL = re.compile(r"^【[^】]*】")
_HANDOVER_WORDS = ("志愿者", "转人工", "工作人员")


@dataclass(frozen=True)
class EvalItem:
    """One parent conversation and what a right reply to its last message contains."""

    id: str
    region: str
    turns: tuple[str, ...]
    region_reply: str | None
    expect: str
    facts: tuple[tuple[str, ...], ...]
    cite: str | None
    must_not: tuple[str, ...] = ()
    first_word_not: tuple[str, ...] = ()


@dataclass(frozen=True)
class Turn:
    """The bot's reply to the judged message, with what the webhook recorded about it."""

    text: str
    outcome: str | None
    asked_region: bool = False


@dataclass
class Report:
    """Verdict counts overall and per region."""

    verdicts: dict[str, str] = field(default_factory=dict)  # item id -> verdict
    regions: dict[str, str] = field(default_factory=dict)  # item id -> region
    replies: dict[str, str] = field(default_factory=dict)  # item id -> the judged reply

    def misses(self) -> str:
        """Each item not judged right, with its reply's first line (for development sets only)."""
        return "\n".join(f"{i} [{v}] {self.replies.get(i, '').splitlines()[0] if self.replies.get(i) else ''}"
                         for i, v in self.verdicts.items() if v != "right")

    def counts(self, region: str | None = None) -> Counter[str]:
        return Counter(v for i, v in self.verdicts.items() if region is None or self.regions[i] == region)

    def format(self) -> str:
        lines = [f"{'':12}{'n':>5}" + "".join(f"{v:>15}" for v in VERDICTS)]
        for region in [None, *sorted(set(self.regions.values()))]:
            counts = self.counts(region)
            n = sum(counts.values())
            cells = "".join(f"{counts[v]:>7} ({100 * counts[v] / max(n, 1):4.1f}%)" for v in VERDICTS)
            lines.append(f"{region or 'all':12}{n:>5}{cells}")
        return "\n".join(lines)


def load_items(path: Path) -> list[EvalItem]:
    """Read the frozen set; a malformed item stops with its id."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = []
    for raw in data["items"]:
        try:
            items.append(EvalItem(
                id=str(raw["id"]), region=str(raw.get("region") or "none"),
                turns=tuple(str(t) for t in raw["turns"]), region_reply=raw.get("region_reply"),
                expect=str(raw["expect"]), facts=tuple(tuple(str(a) for a in g) for g in raw.get("facts") or []),
                cite=raw.get("cite"), must_not=tuple(str(m) for m in raw.get("must_not") or []),
                first_word_not=tuple(str(w) for w in raw.get("first_word_not") or [])))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{path}: item {raw.get('id', '?')}: {exc}") from None
    return items


def _normalise(text: str) -> str:
    """Compare numbers and words as a parent reads them: 20,000 = 20000, full-width = half-width."""
    return unicodedata.normalize("NFKC", text).replace(",", "").replace("，000", "000")


def judge(item: EvalItem, turn: Turn) -> str:
    """One verdict for the reply to the item's last message (see the module docstring)."""
    text = _normalise(turn.text)
    first_line = _REGION_LABEL.sub("", text.strip().split("\n", 1)[0]).lstrip()
    cited = set(_DOCUMENT_NUMBER.findall(text))
    if any(_normalise(m) in text for m in item.must_not):
        return "wrong"
    if any(first_line.startswith(_normalise(w)) for w in item.first_word_not):
        return "wrong"
    handed_over = turn.outcome == "escalated" or (any(w in text for w in _HANDOVER_WORDS) and not cited)
    if item.expect == "handover":
        return "right" if handed_over else "other"
    if item.cite and cited and _normalise(item.cite) not in {_normalise(c) for c in cited}:
        return "wrong"
    has_facts = all(any(_normalise(alt) in text for alt in group) for group in item.facts)
    if has_facts and (item.cite is None or _normalise(item.cite) in text):
        return "right"
    if turn.outcome == "escalated":
        return "handover"
    if turn.outcome == "clarified" or turn.asked_region:
        return "menu/question"
    return "other"


Converse = Callable[[str, list[str], str | None], Turn]


def evaluate(items: Iterable[EvalItem], converse: Converse) -> Report:
    """Run every item as a fresh family and judge the reply to its last message."""
    report = Report()
    for item in items:
        turn = converse(f"eval-{item.id}", list(item.turns), item.region_reply)
        report.verdicts[item.id] = judge(item, turn)
        report.replies[item.id] = turn.text
        report.regions[item.id] = item.region
    return report


def webhook_converser(app: Any, sim: Any) -> Converse:
    """Talk through the signed webhook; read the recorded outcome and pending dialogue from the database."""
    from sqlmodel import select

    from bot.storage.db import session_scope
    from bot.storage.models import Message, User

    def state(openid: str) -> tuple[str | None, bool]:
        with session_scope(app) as db:
            user = db.exec(select(User).where(User.openid == openid)).one()
            row = db.exec(select(Message).where(Message.user_id == user.id)
                          .order_by(Message.id.desc())).first()  # type: ignore[union-attr]
            dialogue = user.dialogue or {}
            asked = dialogue.get("await") == "region" or (
                dialogue.get("await") == "eligibility" and dialogue.get("asking") == "region")
            return (row.outcome if row else None), asked

    def converse(openid: str, turns: list[str], region_reply: str | None) -> Turn:
        text = ""
        for message in turns:
            text = sim.send_text(openid, message).text
        outcome, asked = state(openid)
        if asked and region_reply:
            text = sim.send_text(openid, region_reply).text
            outcome, asked = state(openid)
        return Turn(text, outcome, asked)

    return converse


def run_on_fresh_app(items: list[EvalItem]) -> Report:
    """A throwaway app (SQLite, demo data, local sandbox) answering through its real webhook."""
    from bot import create_app
    from bot.demo.seed import seed_demo
    from bot.sandbox.server import SandboxServer
    from bot.sandbox.simulator import WeChatSimulator, flask_transport
    from bot.storage.migrate import upgrade

    with tempfile.TemporaryDirectory() as tmp, SandboxServer() as sandbox:
        app = create_app({"XINGBAN_MODE": "test", "WECHAT_API_BASE_URL": sandbox.url,
                          "XINGBAN_REPLY_BUDGET": 30, "WECHAT_APP_ID": sandbox.app_id,
                          "WECHAT_APP_SECRET": sandbox.app_secret}, instance_path=tmp)
        upgrade(app)
        seed_demo(app)
        sim = WeChatSimulator(flask_transport(app.test_client()), app.config["WECHAT_TOKEN"])
        report = evaluate(items, webhook_converser(app, sim))
        app.extensions["db_engine"].dispose()
    return report
