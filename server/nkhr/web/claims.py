"""/claims for people: the figures side by side, narrowed by filters that live in the address.

``?subject=&kind=&author=&certainty=&section=&disputed=1`` narrow the page (``ClaimFilter``);
``?format=csv`` with the same parameters downloads exactly the claims shown.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue

from ..content.claims import ClaimFilter, claim_groups, claims_csv, filter_choices
from .search import site


def claims_page() -> ResponseReturnValue:
    groups = claim_groups(site().engine)
    chosen = ClaimFilter.from_args(request.args)
    shown = chosen.apply(groups)
    if request.args.get("format") == "csv":
        response = Response(claims_csv(shown), mimetype="text/csv")
        response.headers["Content-Disposition"] = 'attachment; filename="claims.csv"'
        return response
    csv_link = "/claims?" + urlencode({**chosen.as_args(), "format": "csv"})
    count = sum(len(g.claims) for g in shown)
    return render_template("claims.html", groups=shown, choices=filter_choices(groups), chosen=chosen,
                           csv_link=csv_link, count=count, total=sum(len(g.claims) for g in groups))
