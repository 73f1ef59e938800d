"""The dataset as a property graph for graph visualisers (GraphML, GEXF, Cytoscape.js JSON, DOT)."""
