"""The trusted queries behind the human pages and descriptions: what an entity page, the claims,
the timeline, the ontology page, the service description and the statistics show."""
