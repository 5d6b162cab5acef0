import json
import uuid

# A value for each path converter, to fill a route from the URL conf.
PATH_SAMPLES = {
    "uuid": str(uuid.UUID(int=7)),
    "int": "12",
    "slug": "a-slug",
    "str": "FD-2026-000001",
    "path": "a/b",
}


def assert_error(response, status, *, kind="client_error", code=None, attr=None):
    """The contract's error envelope, as JSON; returns the body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert set(body) == {"type", "errors"}, body
    assert body["type"] == kind, body
    assert body["errors"], body
    for error in body["errors"]:
        assert set(error) == {"code", "detail", "attr"}, error
        assert isinstance(error["detail"], str) and error["detail"], error
    if code is not None:
        assert code in [e["code"] for e in body["errors"]], body
    if attr is not None:
        assert attr in [e["attr"] for e in body["errors"]], body
    return body


def run_concurrently(n: int, work, *, timeout: float = 90) -> tuple[list, list]:
    """Run ``work(0) … work(n - 1)`` in ``n`` threads released at once (a barrier), for tests of
    real concurrent transactions on PostgreSQL. Each thread closes its database connections.
    Returns (the results of the calls that returned, in call order; the exceptions raised)."""
    import threading

    from django.db import connections

    barrier = threading.Barrier(n)
    results, errors = [None] * n, []
    done = [False] * n

    def run(i):
        try:
            barrier.wait(timeout=20)
            results[i] = work(i)
            done[i] = True
        except Exception as exc:  # noqa: BLE001 - returned to the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a concurrent call did not finish"
    return [result for result, ok in zip(results, done, strict=True) if ok], errors


def together(n: int, work, *, timeout: float = 90) -> list:
    """``run_concurrently`` for calls that must all return: their results, in call order."""
    results, errors = run_concurrently(n, work, timeout=timeout)
    assert errors == [], errors
    return results
