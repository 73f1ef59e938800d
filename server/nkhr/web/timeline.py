"""/timeline for people: dated items on a time axis, each row saying what its date is.

``?kind=`` (claim, document, event, practice), ``?section=`` and ``?from=``/``?to=`` (years)
narrow it, in the address, so a filtered view can be shared and reloaded.
"""

from __future__ import annotations

from flask import render_template, request

from ..content.timeline import ROLES, TimelineEntry, TimelineFilter, axis, timeline, year_of
from .search import site

KIND_NAMES = {"event": "events", "document": "documents", "claim": "claims and figures", "practice": "practices",
              "other": "other things"}


def timeline_page() -> str:
    entries = timeline(site().engine)
    chosen = TimelineFilter.from_args(request.args)
    shown = [e for e in entries if chosen.keeps(e)] if chosen.active else entries
    low, high, ticks = axis(entries)
    span = max(1, high - low)

    def place(entry: TimelineEntry) -> tuple[float, float] | None:
        first = year_of(entry.date)
        if first is None:
            return None
        last = year_of(entry.end) or first
        return (100 * (first - low) / span, max(0.6, 100 * (last - first + 1) / span))

    kinds = sorted({e.top for e in entries}, key=lambda k: list(KIND_NAMES).index(k))
    sections = sorted({(iri, label) for e in entries for iri, label in e.sections.items()}, key=lambda s: s[1])
    return render_template("timeline.html", entries=shown, total=len(entries), chosen=chosen, roles=ROLES,
                           kinds=[(k, KIND_NAMES[k]) for k in kinds], sections=sections, place=place,
                           ticks=[(t, 100 * (t - low) / span) for t in ticks])
