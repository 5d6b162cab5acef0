"""Email templates: ``templates/emails/<name>.html`` and ``.txt``, both extending the base
layout (``emails/base.html`` / ``emails/base.txt``), which shows the company name and the
support email from the site settings. The subject comes from the caller, else from
``emails/<name>.subject.txt``, else from the template's ``{% block subject %}`` (or
``{% block title %}``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.template import Context, TemplateDoesNotExist
from django.template.backends.django import Template as DjangoTemplate
from django.template.loader import get_template, render_to_string
from django.template.loader_tags import BlockNode

from apps.core.selectors import site_settings_get

if TYPE_CHECKING:
    from apps.core.models import SiteSettings

SUBJECT_MAX_LENGTH = 255


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def one_line(*, value: str) -> str:
    """Header-safe: no line breaks (they would be a header injection), trimmed to the column."""
    return " ".join(str(value).split())[:SUBJECT_MAX_LENGTH]


SUBJECT_BLOCKS = ("subject", "title")


def _subject_block(template_name: str, context: dict) -> str:
    """The rendered ``{% block subject %}`` (else ``{% block title %}``) of the template itself
    (not of its parent), without HTML escaping."""
    loaded = get_template(template_name)
    if not isinstance(loaded, DjangoTemplate):  # the blocks are Django template language nodes
        raise TypeError(f"{template_name} is not a Django template")
    compiled = loaded.template
    blocks = {
        node.name: node
        for node in compiled.nodelist.get_nodes_by_type(BlockNode)
        if isinstance(node, BlockNode)  # all of them: narrows the stubs' Node
    }
    for name in SUBJECT_BLOCKS:
        if name in blocks:
            return blocks[name].nodelist.render(Context(context, autoescape=False))
    return ""


def _template_subject(template: str, context: dict) -> str:
    try:
        return render_to_string(f"emails/{template}.subject.txt", context)
    except TemplateDoesNotExist:
        pass
    for suffix in ("txt", "html"):
        subject = _subject_block(f"emails/{template}.{suffix}", context)
        if subject.strip():
            return subject
    return ""


def email_context(*, context: dict | None = None, site: SiteSettings | None = None) -> dict:
    """What every email template gets: ``site`` (company name, support email...) and
    ``frontend_url``, then the caller's context (which may override neither by accident:
    callers' keys win, on purpose, for previews)."""
    return {"site": site or site_settings_get(), "frontend_url": settings.FRONTEND_URL, **(context or {})}


def email_render(
    *,
    template: str,
    context: dict | None = None,
    subject: str | None = None,
    site: SiteSettings | None = None,
) -> RenderedEmail:
    """Render both bodies and the subject of ``templates/emails/<template>.*``. A missing
    template raises ``TemplateDoesNotExist`` (a programming error: fail in the caller).
    ``site``: the site settings, when the caller has read them already."""
    full = email_context(context=context, site=site)
    html = render_to_string(f"emails/{template}.html", full)
    text: str = render_to_string(f"emails/{template}.txt", full)
    resolved = one_line(value=subject or _template_subject(template, full) or full["site"].company_name)
    text = re.sub(r"\n[ \t]*\n(?:[ \t]*\n)+", "\n\n", text).strip() + "\n"  # template tags leave blank runs
    return RenderedEmail(subject=resolved, text=text, html=html)
