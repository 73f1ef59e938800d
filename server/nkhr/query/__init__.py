"""Answering SPARQL on the built dataset: the guard, the engine, killable query processes, result
writers and the catalog of named queries. Read by the server, the CLI and the build alike."""
