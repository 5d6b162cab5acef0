import json


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
