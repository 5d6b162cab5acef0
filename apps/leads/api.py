"""The leads app's public surface for other apps (unified search)."""

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
