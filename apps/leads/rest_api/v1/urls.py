from apps.core.urls import optional_slash

from . import views

urlpatterns = [
    *optional_slash("inquiries", views.InquiryListCreateView.as_view(), name="inquiry-list"),
    *optional_slash("inquiries/<uuid:inquiry_id>", views.InquiryDetailView.as_view(), name="inquiry-detail"),
    *optional_slash(
        "inquiries/<uuid:inquiry_id>/convert", views.InquiryConvertView.as_view(), name="inquiry-convert"
    ),
    *optional_slash("lead-scoring-rules", views.LeadScoringRuleListView.as_view(), name="lead-scoring-rules"),
    *optional_slash(
        "lead-scoring-rules/<uuid:rule_id>",
        views.LeadScoringRuleDetailView.as_view(),
        name="lead-scoring-rule",
    ),
    *optional_slash("import/contacts", views.ContactImportView.as_view(), name="contact-import"),
    *optional_slash(
        "import/contacts/<uuid:job_id>", views.ImportJobDetailView.as_view(), name="contact-import-job"
    ),
]
