"""The query pool's start: ``wait_ready`` reports whether every query process loaded the dataset.

A starting server waits on it before it serves (web/serve.py), so that its first queries do not
wait for the processes instead.
"""

from __future__ import annotations

from nkhr.query.sandbox import QueryPool


def test_wait_ready_is_true_once_every_process_has_loaded_the_dataset(tmp_path):
    dataset = tmp_path / "dataset.nq"
    dataset.write_text('<http://example.org/s> <http://example.org/p> "o" <http://example.org/g> .\n',
                       encoding="utf-8")
    pool = QueryPool(dataset, size=2)
    try:
        assert pool.wait_ready(60) is True
        assert all(worker.ready for worker in pool._idle.queue)
        answer = pool.run("ASK { GRAPH ?g { ?s ?p 'o' } }", timeout=10)
        assert answer.fmt == "json" and b"true" in answer.body
    finally:
        pool.close()


def test_wait_ready_is_false_when_a_process_cannot_load_the_dataset(tmp_path):
    missing = tmp_path / "no-such-dataset.nq"          # each process dies opening it
    pool = QueryPool(missing, size=1)
    try:
        assert pool.wait_ready(60) is False
    finally:
        pool.close()
