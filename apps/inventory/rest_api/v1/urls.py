from apps.core.urls import optional_slash

from . import views

urlpatterns = [
    *optional_slash("inventory/stock", views.StockLevelListView.as_view(), name="inventory-stock"),
    *optional_slash("inventory/adjustments", views.AdjustmentView.as_view(), name="inventory-adjustments"),
    *optional_slash("inventory/movements", views.StockMovementListView.as_view(), name="inventory-movements"),
]
