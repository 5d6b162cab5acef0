"""Staff create / update / archive products with nested variants, prices and images."""

import copy

import pytest

from apps.catalog.models import Price, Product, ProductImage, Variant
from apps.core.models import ActivityLog
from apps.core.roles import STAFF_ROLES
from tests.helpers import assert_error

from .factories import MediaFileFactory, product_with_variants

pytestmark = pytest.mark.django_db

URL = "/api/v1/products"


def payload(**overrides):
    body = {
        "name": "Heavy Duty Tiller",
        "description": "Breaks hard ground.",
        "specifications": {"width_cm": 120, "blades": [24, 36], "gearbox": "oil bath", "pto": True},
        "features": ["Side drive"],
        "applications": ["Farming"],
        "variants": [
            {
                "sku": "HDT-120",
                "name": "120 cm",
                "attributes": {"width": "120 cm"},
                "prices": [
                    {"currency": "USD", "amount": "1499.00"},
                    {"currency": "NGN", "amount": "2100000"},
                ],
            },
            {
                "sku": "HDT-180",
                "name": "180 cm",
                "attributes": {"width": "180 cm"},
                "prices": [{"currency": "USD", "amount": "1899.5"}, {"currency": "NGN", "amount": "2600000"}],
            },
        ],
    }
    body.update(overrides)
    return body


def nothing_created():
    return not Product.objects.exists() and not Variant.objects.exists() and not Price.objects.exists()


# --- create -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["content", "admin"])
def test_catalog_managers_create_a_product_with_nested_variants_prices_and_images(auth_client, role):
    image = MediaFileFactory(image=True)
    client = auth_client(role)
    body = payload(images=[{"media": str(image.pk), "alt_text": "Front"}])
    response = client.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    # The response is the product detail.
    assert data["slug"] == "heavy-duty-tiller"
    assert data["specifications"] == body["specifications"]
    assert {"variants", "images", "documents", "seo", "features", "applications"} <= set(data)
    assert [v["sku"] for v in data["variants"]] == ["HDT-120", "HDT-180"]
    assert data["variants"][1]["price"] == {"amount": "1899.50", "currency": "USD", "compare_at_amount": None}
    assert data["images"][0]["id"] == str(image.pk)
    assert data["images"][0]["alt_text"] == "Front"
    product = Product.objects.get(slug="heavy-duty-tiller")
    assert product.variants.count() == 2
    assert Price.objects.filter(variant__product=product).count() == 4
    assert ProductImage.objects.filter(product=product, media=image).count() == 1


def test_created_product_is_visible_in_the_public_list_at_once(auth_client, api_client):
    assert api_client.get(URL).json()["count"] == 0  # cached empty list
    assert auth_client("content").post(URL, payload(), format="json").status_code == 201
    assert [p["slug"] for p in api_client.get(URL).json()["results"]] == ["heavy-duty-tiller"]


@pytest.mark.parametrize("role", [r for r in STAFF_ROLES if r not in ("content", "admin")] + ["customer"])
def test_other_roles_cannot_create_products(auth_client, role):
    assert_error(auth_client(role).post(URL, payload(), format="json"), 403, code="permission_denied")
    assert nothing_created()


def test_anonymous_cannot_create_products(api_client):
    assert_error(api_client.post(URL, payload(), format="json"), 401, code="not_authenticated")
    assert nothing_created()


def test_slug_is_generated_from_the_name_and_made_unique(auth_client):
    client = auth_client("content")
    first = client.post(URL, payload(), format="json")
    second_body = payload()
    for i, v in enumerate(second_body["variants"]):
        v["sku"] = f"OTHER-{i}"
    second = client.post(URL, second_body, format="json")
    third_body = payload()
    for i, v in enumerate(third_body["variants"]):
        v["sku"] = f"THIRD-{i}"
    third = client.post(URL, third_body, format="json")
    assert first.json()["slug"] == "heavy-duty-tiller"
    assert second.status_code == 201, second.content
    assert second.json()["slug"] == "heavy-duty-tiller-2"
    assert third.json()["slug"] == "heavy-duty-tiller-3"


def test_explicit_slug_already_taken_is_400(auth_client):
    product_with_variants({"USD": "1"}, name="Taken", slug="taken")
    assert_error(
        auth_client("content").post(URL, payload(slug="taken"), format="json"),
        400,
        attr="slug",
        kind="validation_error",
    )


@pytest.mark.parametrize("amount", ["-5", "abc", "", None, "1e20"])
def test_one_bad_nested_price_rejects_the_whole_product(auth_client, amount):
    body = payload()
    body["variants"][1]["prices"][0]["amount"] = amount
    response = auth_client("content").post(URL, body, format="json")
    assert_error(response, 400, kind="validation_error", attr="variants.1.prices.0.amount")
    assert [e["attr"] for e in response.json()["errors"]] == ["variants.1.prices.0.amount"]
    assert nothing_created()


def test_bad_nested_currency_points_at_its_field(auth_client):
    body = payload()
    body["variants"][0]["prices"][1]["currency"] = "naira"
    assert_error(
        auth_client("content").post(URL, body, format="json"),
        400,
        attr="variants.0.prices.1.currency",
        kind="validation_error",
    )
    assert nothing_created()


def test_duplicate_sku_within_the_request_is_400(auth_client):
    body = payload()
    body["variants"][1]["sku"] = "HDT-120"
    response = auth_client("content").post(URL, body, format="json")
    assert_error(response, 400, kind="validation_error", attr="variants.1.sku")
    assert "variants.0.sku" not in [e["attr"] for e in response.json()["errors"]]
    assert nothing_created()


def test_sku_owned_by_another_product_is_400(auth_client):
    other = product_with_variants({"USD": "1"}, name="Other")
    body = payload()
    body["variants"][0]["sku"] = other.variants.get().sku
    response = auth_client("content").post(URL, body, format="json")
    assert_error(response, 400, kind="validation_error", attr="variants.0.sku")
    assert Product.objects.count() == 1


def test_duplicate_currency_within_a_variant_is_400(auth_client):
    body = payload()
    body["variants"][1]["prices"][1]["currency"] = "USD"
    response = auth_client("content").post(URL, body, format="json")
    body = assert_error(response, 400, kind="validation_error")
    assert any(e["attr"].startswith("variants.1.prices") for e in body["errors"]), body
    assert nothing_created()


@pytest.mark.parametrize(
    "specifications",
    [
        {"engine": {"power_kw": 55}},
        {"sizes": [1, {"x": 2}]},
        {"sizes": [[1, 2]]},
        ["not", "an", "object"],
        "a string",
    ],
)
def test_specifications_must_be_an_object_of_scalars_or_scalar_lists(auth_client, specifications):
    response = auth_client("content").post(URL, payload(specifications=specifications), format="json")
    assert_error(response, 400, kind="validation_error", attr="specifications")
    assert nothing_created()


def test_product_without_variants_is_400(auth_client):
    client = auth_client("content")
    assert_error(
        client.post(URL, payload(variants=[]), format="json"), 400, attr="variants", kind="validation_error"
    )
    body = payload()
    del body["variants"]
    assert_error(client.post(URL, body, format="json"), 400, attr="variants", kind="validation_error")
    assert nothing_created()


def test_missing_name_is_400(auth_client):
    body = payload()
    del body["name"]
    assert_error(
        auth_client("content").post(URL, body, format="json"), 400, attr="name", kind="validation_error"
    )


def test_create_is_recorded_in_the_activity_log(auth_client):
    client = auth_client("content")
    response = client.post(URL, payload(), format="json")
    log = ActivityLog.objects.get(entity_type="catalog.product")
    assert log.actor == client.user
    assert log.action == "create"
    assert log.entity_id == response.json()["id"]
    assert {v["sku"] for v in log.after["variants"]} == {"HDT-120", "HDT-180"}


def test_rejected_create_is_not_logged(auth_client):
    auth_client("content").post(URL, payload(variants=[]), format="json")
    assert not ActivityLog.objects.exists()


# --- update -------------------------------------------------------------------------------


@pytest.fixture
def created(auth_client):
    client = auth_client("content")
    response = client.post(URL, payload(), format="json")
    assert response.status_code == 201, response.content
    client.product = Product.objects.get(slug="heavy-duty-tiller")
    return client


def test_patch_updates_fields_and_keeps_the_slug_on_rename(created):
    response = created.patch(
        f"{URL}/heavy-duty-tiller",
        {"name": "Super Tiller", "description": "New.", "features": ["A", "B"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "Super Tiller"
    assert body["slug"] == "heavy-duty-tiller"
    assert body["description"] == "New."
    assert body["features"] == ["A", "B"]
    created.product.refresh_from_db()
    assert created.product.slug == "heavy-duty-tiller"
    # Untouched variants stay as they were.
    assert created.product.variants.filter(is_active=True).count() == 2


def test_patch_upserts_variants_by_sku_and_deactivates_missing_ones(created):
    response = created.patch(
        f"{URL}/heavy-duty-tiller",
        {
            "variants": [
                {"sku": "HDT-180", "name": "180 cm wide", "prices": [{"currency": "USD", "amount": "1999"}]},
                {"sku": "HDT-240", "name": "240 cm", "prices": [{"currency": "NGN", "amount": "3000000"}]},
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    product = created.product
    variants = {v.sku: v for v in Variant.objects.filter(product=product)}
    assert set(variants) == {"HDT-120", "HDT-180", "HDT-240"}  # nothing deleted
    assert variants["HDT-120"].is_active is False
    assert variants["HDT-180"].is_active is True
    assert variants["HDT-180"].name == "180 cm wide"
    assert variants["HDT-240"].is_active is True
    # Prices of a sent variant are replaced: the NGN price of HDT-180 is gone.
    assert {(p.currency, str(p.amount)) for p in variants["HDT-180"].prices.all()} == {("USD", "1999.00")}
    # The deactivated variant keeps its prices (it is not deleted).
    assert variants["HDT-120"].prices.count() == 2
    assert [v["sku"] for v in response.json()["variants"]] == ["HDT-180", "HDT-240"]


def test_patch_reactivates_a_variant_sent_again(created):
    url = f"{URL}/heavy-duty-tiller"
    created.patch(url, {"variants": [{"sku": "HDT-180"}]}, format="json")
    created.patch(url, {"variants": [{"sku": "HDT-120"}, {"sku": "HDT-180"}]}, format="json")
    assert created.product.variants.filter(is_active=True).count() == 2


def test_patch_may_keep_own_skus_but_not_take_another_products(created):
    other = product_with_variants({"USD": "1"}, name="Other")
    url = f"{URL}/heavy-duty-tiller"
    assert created.patch(url, {"variants": [{"sku": "HDT-120"}]}, format="json").status_code == 200
    response = created.patch(url, {"variants": [{"sku": other.variants.get().sku}]}, format="json")
    assert_error(response, 400, kind="validation_error", attr="variants.0.sku")


def test_patch_with_a_bad_nested_value_changes_nothing(created):
    url = f"{URL}/heavy-duty-tiller"
    response = created.patch(
        url,
        {
            "name": "Renamed",
            "variants": [
                {"sku": "HDT-120", "prices": [{"currency": "USD", "amount": "1"}]},
                {"sku": "HDT-180", "prices": [{"currency": "USD", "amount": "-5"}]},
            ],
        },
        format="json",
    )
    assert_error(response, 400, kind="validation_error", attr="variants.1.prices.0.amount")
    created.product.refresh_from_db()
    assert created.product.name == "Heavy Duty Tiller"
    assert Price.objects.filter(variant__product=created.product).count() == 4


def test_patch_with_a_variant_missing_its_sku_is_400_not_500(created):
    response = created.patch(f"{URL}/heavy-duty-tiller", {"variants": [{"name": "no sku"}]}, format="json")
    assert_error(response, 400, kind="validation_error", attr="variants.0.sku")


def test_patch_with_a_price_missing_its_amount_is_400_not_500(created):
    response = created.patch(
        f"{URL}/heavy-duty-tiller",
        {"variants": [{"sku": "HDT-120", "prices": [{"currency": "USD"}]}]},
        format="json",
    )
    assert_error(response, 400, kind="validation_error", attr="variants.0.prices.0.amount")


def test_patch_by_a_non_manager_is_403(created, auth_client):
    response = auth_client("sales").patch(f"{URL}/heavy-duty-tiller", {"name": "X"}, format="json")
    assert_error(response, 403)


def test_patch_unknown_product_is_404(created):
    assert_error(created.patch(f"{URL}/nope", {"name": "X"}, format="json"), 404)


def test_patch_is_recorded_in_the_activity_log_with_before_and_after(created):
    created.patch(f"{URL}/heavy-duty-tiller", {"name": "Renamed"}, format="json")
    log = ActivityLog.objects.get(entity_type="catalog.product", action="update")
    assert log.actor == created.user
    assert log.entity_id == str(created.product.pk)
    assert log.before["name"] == "Heavy Duty Tiller"
    assert log.after["name"] == "Renamed"


# --- delete (archive) ---------------------------------------------------------------------


def test_delete_archives_and_keeps_the_row(created, api_client):
    response = created.delete(f"{URL}/heavy-duty-tiller")
    assert response.status_code == 204, response.content
    created.product.refresh_from_db()
    assert created.product.status == Product.Status.ARCHIVED
    assert created.product.variants.count() == 2
    assert_error(api_client.get(f"{URL}/heavy-duty-tiller"), 404)
    assert api_client.get(URL).json()["count"] == 0


def test_delete_is_recorded_in_the_activity_log(created):
    created.delete(f"{URL}/heavy-duty-tiller")
    log = ActivityLog.objects.get(entity_type="catalog.product", action="product.archive")
    assert log.actor == created.user
    assert log.entity_id == str(created.product.pk)
    assert log.after["status"] == "archived"


def test_delete_by_customer_is_403_and_by_anonymous_401(created, auth_client, api_client):
    assert_error(auth_client("customer").delete(f"{URL}/heavy-duty-tiller"), 403)
    assert_error(api_client.delete(f"{URL}/heavy-duty-tiller"), 401)
    created.product.refresh_from_db()
    assert created.product.status == Product.Status.ACTIVE


def test_every_staff_write_is_logged_with_the_staff_actor(auth_client):
    admin = auth_client("admin")
    body = copy.deepcopy(payload())
    admin.post(URL, body, format="json")
    admin.patch(f"{URL}/heavy-duty-tiller", {"status": "discontinued"}, format="json")
    admin.delete(f"{URL}/heavy-duty-tiller")
    logs = ActivityLog.objects.filter(entity_type="catalog.product").order_by("created_at")
    assert [log.action for log in logs] == ["create", "update", "product.archive"]
    assert {log.actor_id for log in logs} == {admin.user.pk}
