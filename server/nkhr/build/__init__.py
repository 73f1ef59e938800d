"""The build: source files in, the built dataset out (parse, reason, validate, write).

The only side of the project that imports pyshacl and owlrl. Nothing on the serving side
(``nkhr.query``, ``nkhr.content``, ``nkhr.exports``, ``nkhr.remote``, ``nkhr.web``) imports
this package; an import-linter contract in ``make test`` keeps it so.
"""
