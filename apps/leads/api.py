"""The leads app's public surface for other apps (unified search, reports' exports).

Owns: inquiries (with their scoring and assignment, which decides who sees them), scoring rules and
inquiry imports.

Offers: ``inquiry_search`` and ``may_search`` (the unified search), and for the exports
``Inquiry``, ``InquiryFilter`` and ``inquiries_visible`` (what a user may see).

Events: emits none."""

from .filters import InquiryFilter
from .models import Inquiry
from .selectors import inquiries_visible, inquiry_search, may_search

__all__ = [
    "inquiries_visible",
    "Inquiry",
    "inquiry_search",
    "InquiryFilter",
    "may_search",
]
