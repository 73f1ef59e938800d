"""Where a project's files are: the folders curators edit and the folder the build writes.

A project is the folder holding ``ontology/``, ``data/`` and ``queries/``. Commands find it
from ``--project``, the ``NKHR_PROJECT`` environment variable, the current folder, or else the
checkout this package was installed from, in that order.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

SHAPES_FILE = "shapes.ttl"


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def dist_dir(self) -> Path:
        return self.root / "dist"

    @property
    def shapes_file(self) -> Path:
        return self.ontology_dir / SHAPES_FILE

    def ontology_files(self) -> list[Path]:
        """The ontology's Turtle files, shapes excluded (shapes check the data; they are not data)."""
        return sorted(p for p in self.ontology_dir.glob("*.ttl") if p.name != SHAPES_FILE)

    def data_files(self) -> list[Path]:
        """Every Turtle file under data/, in a stable order."""
        return sorted(self.data_dir.rglob("*.ttl"))

    def query_files(self) -> list[Path]:
        """The catalog (``queries/*.rq``) and the quality checks (``queries/checks/*.rq``): the build runs both."""
        return sorted(self.queries_dir.glob("*.rq")) + sorted((self.queries_dir / "checks").glob("*.rq"))

    def source_files(self) -> list[Path]:
        """Everything a build reads; dist/ is stale when any of these changed."""
        return [*self.ontology_files(), self.shapes_file, *self.data_files(), *self.query_files()]

    def relative(self, path: Path) -> str:
        try:
            return str(Path(path).resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)


def _looks_like_project(path: Path) -> bool:
    return (path / "ontology").is_dir() and (path / "data").is_dir()


def find_project(explicit: str | os.PathLike[str] | None = None) -> Project:
    """Locate the project folder; raise FileNotFoundError with a hint when there is none."""
    candidates = []
    if explicit:
        candidates.append(Path(explicit))
    if os.environ.get("NKHR_PROJECT"):
        candidates.append(Path(os.environ["NKHR_PROJECT"]))
    candidates.append(Path.cwd())
    candidates.append(Path(__file__).resolve().parents[2])
    for candidate in candidates:
        if _looks_like_project(candidate):
            return Project(candidate.resolve())
        if explicit:
            break
    raise FileNotFoundError(
        f"No nkhr project found (looked in {', '.join(str(c) for c in candidates)}): "
        "a project folder holds ontology/ and data/. Pass --project DIR."
    )
