"""nkhr: the North Korea human-rights knowledge graph.

Data flows one way: the curated files in ``ontology/``, ``data/`` and ``queries/`` are built
(parsed, reasoned over with OWL-RL, validated with SHACL, the queries run) into ``dist/`` by
``nkhr.build``; the endpoint, the pages and the exports read the data only from ``dist/``
(through ``nkhr.built`` and ``nkhr.query``) and never import the build. The import contracts
in pyproject.toml, checked by ``make test``, keep it so.
"""

__version__ = "0.1.0"
