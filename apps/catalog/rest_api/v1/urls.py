from apps.core.urls import optional_slash

from . import views

urlpatterns = [
    *optional_slash("categories", views.CategoryTreeView.as_view(), name="category-tree"),
    *optional_slash("products", views.ProductListView.as_view(), name="product-list"),
    *optional_slash("products/<slug:slug>", views.ProductDetailView.as_view(), name="product-detail"),
    *optional_slash("documents", views.DocumentListView.as_view(), name="document-list"),
    *optional_slash(
        "documents/<uuid:pk>/download", views.DocumentDownloadView.as_view(), name="document-download"
    ),
]
