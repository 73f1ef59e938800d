"""Scale-out to an existing SPARQL store: its HTTP client, an engine and pool that answer from
it, the marker of which build it holds, and ``nkhr publish``, which loads a build into it."""
