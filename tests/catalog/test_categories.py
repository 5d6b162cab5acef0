"""GET /api/v1/categories: the nested tree."""

import pytest

from .factories import CategoryFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/categories"


def names(nodes):
    return [n["name"] for n in nodes]


@pytest.fixture
def tree():
    machinery = CategoryFactory(name="Machinery", position=1)
    parts = CategoryFactory(name="Parts", position=0)
    CategoryFactory(name="Attachments", position=1)  # same position as Machinery: by name
    tractors = CategoryFactory(name="Tractors", parent=machinery, position=0)
    CategoryFactory(name="Harvesters", parent=machinery, position=1)
    CategoryFactory(name="Balers", parent=machinery, position=1)
    CategoryFactory(name="Compact", parent=tractors, position=0)
    CategoryFactory(name="Filters", parent=parts, position=0)
    return machinery


def test_tree_nests_children_ordered_by_position_then_name(api_client, tree):
    response = api_client.get(URL)
    assert response.status_code == 200, response.content
    roots = response.json()
    assert names(roots) == ["Parts", "Attachments", "Machinery"]
    parts, attachments, machinery = roots
    assert names(parts["children"]) == ["Filters"]
    assert attachments["children"] == []
    assert names(machinery["children"]) == ["Tractors", "Balers", "Harvesters"]
    tractors = machinery["children"][0]
    assert names(tractors["children"]) == ["Compact"]
    assert tractors["children"][0]["children"] == []


def test_tree_nodes_carry_id_slug_and_description(api_client, tree):
    machinery = api_client.get(URL).json()[2]
    assert machinery["id"] == str(tree.pk)
    assert machinery["slug"] == "machinery"
    assert {"id", "name", "slug", "description", "position", "children"} <= set(machinery)


def test_tree_reflects_a_new_category_at_once(api_client, tree):
    api_client.get(URL)  # cached
    CategoryFactory(name="Spares", parent=tree, position=9)
    machinery = api_client.get(URL).json()[2]
    assert names(machinery["children"])[-1] == "Spares"


def test_tree_works_with_trailing_slash(api_client, tree):
    assert api_client.get(URL + "/").json() == api_client.get(URL).json()


def test_empty_tree_is_an_empty_list(api_client):
    assert api_client.get(URL).json() == []
