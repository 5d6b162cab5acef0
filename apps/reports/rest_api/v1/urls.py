from apps.core.urls import optional_slash

from . import views

urlpatterns = [
    *optional_slash("export/<str:dataset>", views.ExportView.as_view(), name="export"),
]
