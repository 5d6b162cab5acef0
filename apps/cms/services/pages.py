"""Static pages (about, terms): Markdown rendered to sanitised HTML on every write."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from apps.core.activity import activity_record, snapshot
from apps.core.services import model_update, unique_slug

from ..markdown import render_markdown
from ..models import Page

if TYPE_CHECKING:
    from apps.accounts.api import AnyUser

PAGE_FIELDS = ["slug", "title", "content", "is_published", "seo_title", "seo_description", "og_image"]


@transaction.atomic
def page_create(*, data: dict, actor: AnyUser | None = None) -> Page:
    data = {k: v for k, v in data.items() if k in PAGE_FIELDS}
    page = Page(**data)
    page.slug = page.slug or unique_slug(model=Page, base=page.title, max_length=220)
    page.content_html = render_markdown(page.content)
    page.full_clean()
    page.save(force_insert=True)
    activity_record(actor=actor, action="create", entity=page, after=snapshot(page))
    return page


@transaction.atomic
def page_update(*, page: Page, data: dict, actor: AnyUser | None = None) -> Page:
    page = Page.objects.select_for_update().get(pk=page.pk)
    before = snapshot(page)
    data = {k: v for k, v in data.items() if k in PAGE_FIELDS}
    if "content" in data:
        data["content_html"] = render_markdown(data["content"])
    page, updated = model_update(instance=page, fields=[*PAGE_FIELDS, "content_html"], data=data)
    if updated:
        activity_record(actor=actor, action="update", entity=page, before=before, after=snapshot(page))
    return page
