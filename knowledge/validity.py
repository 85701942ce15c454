"""Which documents are in force on a given day, so an answer never presents an ended policy as current.

A document is in force from `valid_from` to `valid_to` (either may be unknown = open). A document that
another one `replaces:` ends the day before its successor's `valid_from` (at once when that date is not
known). Days are China's: a policy ends at midnight Beijing time, not UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from knowledge.check import squash
from knowledge.entries import ALL, Entry
from knowledge.sources import SourceDoc, lineage

CHINA = ZoneInfo("Asia/Shanghai")
WARN_DAYS = 90


@dataclass(frozen=True)
class Standing:
    """A document's state on a day: in_force | expired | not_yet, and what replaced it."""

    document: SourceDoc
    state: str
    ended: dt.date | None = None  # last day in force, when the documents say
    successor: SourceDoc | None = None


def china_today() -> dt.date:
    return dt.datetime.now(CHINA).date()


def standing(doc: SourceDoc, successor: SourceDoc | None, day: dt.date) -> Standing:
    """State of `doc` on `day`, given the document that replaced it (None = still the current one)."""
    if doc.valid_from is not None and day < doc.valid_from:
        return Standing(doc, "not_yet")
    if successor is not None and (successor.valid_from is None or successor.valid_from <= day):
        end = successor.valid_from - dt.timedelta(days=1) if successor.valid_from else doc.valid_to
        return Standing(doc, "expired", min(filter(None, (end, doc.valid_to)), default=None), successor)
    if doc.valid_to is not None and day > doc.valid_to:
        return Standing(doc, "expired", doc.valid_to, successor)
    return Standing(doc, "in_force", successor=successor)


def standings(sources: dict[str, SourceDoc], day: dt.date) -> dict[str, Standing]:
    """Squashed document number -> its state on `day`, for current and replaced documents."""
    found: dict[str, Standing] = {}
    for current in sources.values():
        chain = lineage(current)
        for newer, doc in zip([None, *chain], chain, strict=False):
            found[squash(doc.document)] = standing(doc, newer, day)
    return found


def out_of_force(entry: Entry, region: str | None, sources: dict[str, SourceDoc],
                 day: dt.date) -> Standing | None:
    """None when the entry may be served as current on `day`; else the state of the document it rests on.

    For a known region only that region's documents count (an `all` entry citing five documents stays
    current while the asked region's is); an entry citing nothing indexed is left alone.
    """
    states = standings(sources, day)
    wanted = {squash(d.document) for d in lineage(sources[region])} if region in sources else None
    cited = [squash(c.document) for c in entry.sources]
    relevant = [states[k] for k in cited if k in states and (wanted is None or k in wanted)]
    if not relevant and ALL in entry.regions:
        relevant = [states[k] for k in cited if k in states]
    if not relevant or any(s.state == "in_force" for s in relevant):
        return None
    return relevant[0]


def expiry_warnings(sources: dict[str, SourceDoc], day: dt.date, days: int = WARN_DAYS) -> list[str]:
    """`kb check` warnings: current documents past their end date or within `days` of it."""
    warnings = []
    for doc in sources.values():
        if doc.valid_to is None:
            continue
        left = (doc.valid_to - day).days
        if left < 0:
            warnings.append(f"warning: {doc.document} ({doc.region}) expired on {doc.valid_to.isoformat()}; "
                            f"import the document that replaces it (xingban kb import … --replaces)")
        elif left <= days:
            warnings.append(f"warning: {doc.document} ({doc.region}) expires on {doc.valid_to.isoformat()}, "
                            f"in {left} day(s)")
    return warnings
