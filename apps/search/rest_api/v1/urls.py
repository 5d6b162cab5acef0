from apps.core.urls import optional_slash

from .views import SearchView

urlpatterns = [*optional_slash("search", SearchView.as_view(), name="search")]
