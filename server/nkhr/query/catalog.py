"""The catalog of named queries: the ``.rq`` files in ``queries/``.

Each file starts with comment lines of the form ``# key: value``; ``title`` and
``description`` are required, ``section`` (the article section the query is about) is
optional. The file's name without ``.rq`` is the query's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_HEADER = re.compile(r"^#\s*([A-Za-z-]+)\s*:\s*(.*?)\s*$")


class CatalogError(ValueError):
    """A catalog file lacks its header, or a name matches no query."""


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    text: str
    path: Path
    meta: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def sections(self) -> list[str]:
        return [s.strip() for s in self.meta.get("section", "").split(",") if s.strip()]


def read_query(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        match = _HEADER.match(line)
        if match:
            key = match.group(1).lower()
            meta[key] = (meta[key] + " " + match.group(2)) if key in meta else match.group(2)
    missing = [k for k in ("title", "description") if not meta.get(k)]
    if missing:
        raise CatalogError(f"{path}: the header lacks {' and '.join(missing)} "
                           "(start the file with lines like '# title: ...')")
    return NamedQuery(name=path.stem, title=meta["title"], description=meta["description"],
                      text=text, path=path, meta=meta)


def load_catalog(queries_dir: Path) -> dict[str, NamedQuery]:
    """Every named query, by name, in name order."""
    return {q.name: q for q in (read_query(p) for p in sorted(queries_dir.glob("*.rq")))}


def resolve(queries_dir: Path, name_or_path: str) -> NamedQuery | str:
    """A catalog query by name, or the text of a .rq file given by path."""
    path = Path(name_or_path)
    if path.suffix == ".rq" and path.exists():
        try:
            return read_query(path)
        except CatalogError:
            return path.read_text(encoding="utf-8")
    catalog = load_catalog(queries_dir)
    if name_or_path in catalog:
        return catalog[name_or_path]
    raise CatalogError(f"no query named {name_or_path!r}: give a .rq file or one of "
                       + ", ".join(catalog) if catalog else "the catalog is empty")
