from apps.core.urls import optional_slash

from . import views

urlpatterns = [
    *optional_slash("rfqs", views.RFQListCreateView.as_view(), name="rfq-list"),
    *optional_slash("rfqs/<uuid:rfq_id>", views.RFQDetailView.as_view(), name="rfq-detail"),
    *optional_slash("rfqs/<uuid:rfq_id>/quotes", views.RFQQuoteCreateView.as_view(), name="rfq-quotes"),
    *optional_slash(
        "rfqs/<uuid:rfq_id>/quotes/<uuid:quote_id>/send",
        views.RFQQuoteSendView.as_view(),
        name="rfq-quote-send",
    ),
    *optional_slash("quotes/<uuid:quote_id>", views.QuoteDetailView.as_view(), name="quote-detail"),
    *optional_slash("quotes/<uuid:quote_id>/accept", views.QuoteAcceptView.as_view(), name="quote-accept"),
    *optional_slash("quotes/<uuid:quote_id>/decline", views.QuoteDeclineView.as_view(), name="quote-decline"),
]
