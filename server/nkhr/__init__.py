"""nkhr: the North Korea human-rights knowledge graph.

Data flows one way: the curated files in ``ontology/`` and ``data/`` are built (parsed,
reasoned over with OWL-RL, validated with SHACL) into ``dist/``, and the endpoint and the
exports read only ``dist/``.
"""

__version__ = "0.1.0"
