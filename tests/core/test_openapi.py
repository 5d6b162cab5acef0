import pytest
import yaml

pytestmark = pytest.mark.django_db

PUBLIC = {
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/refresh"),
    ("post", "/api/v1/auth/password-reset"),
    ("post", "/api/v1/auth/password-reset/confirm"),
    ("get", "/api/v1/health"),
    ("get", "/api/v1/status"),
    # Provider webhooks: verified by their signature, never by a user's token.
    ("post", "/api/v1/webhooks/stripe"),
    ("post", "/api/v1/webhooks/paystack"),
    ("post", "/api/v1/webhooks/carriers/{carrier}"),
    # A report's file: the signed, short-lived token in the link is the authentication.
    ("get", "/api/v1/reports/{report_id}/download"),
}


def _schema(api_client):
    response = api_client.get("/api/v1/schema")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_is_public_and_every_operation_is_tagged_and_declares_its_auth(api_client):
    schema = _schema(api_client)
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["jwtAuth"]["scheme"] == "bearer"
    operations = 0
    for path, item in schema["paths"].items():
        assert not path.endswith("/"), "slash variants are not documented twice"
        for method, op in item.items():
            operations += 1
            assert op.get("tags"), (method, path)
            security = op.get("security", schema.get("security"))
            if (method, path) in PUBLIC:
                assert not security or {} in security, (method, path, security)
            else:
                assert {"jwtAuth": []} in security, (method, path, security)
            assert op["responses"], (method, path)
    assert operations >= 15


def test_swagger_ui_serves_its_assets_locally(client):
    page = client.get("/api/docs").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
