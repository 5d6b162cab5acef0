from apps.core.urls import optional_slash

from . import views

urlpatterns = [
    *optional_slash("news", views.NewsListView.as_view(), name="news-list"),
    *optional_slash("news/<slug:slug>", views.NewsDetailView.as_view(), name="news-detail"),
    *optional_slash("pages/<slug:slug>", views.PageDetailView.as_view(), name="page-detail"),
    *optional_slash("media", views.MediaListView.as_view(), name="media-list"),
    *optional_slash("media/presigned", views.MediaPresignedView.as_view(), name="media-presigned"),
    *optional_slash("media/<uuid:pk>", views.MediaDetailView.as_view(), name="media-detail"),
    *optional_slash("media/<uuid:pk>/complete", views.MediaCompleteView.as_view(), name="media-complete"),
]
