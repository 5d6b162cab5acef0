from apps.core.urls import optional_slash

from . import views

urlpatterns = [
    *optional_slash("carts", views.CartCreateView.as_view(), name="cart-create"),
    *optional_slash("carts/<uuid:cart_id>", views.CartDetailView.as_view(), name="cart-detail"),
    *optional_slash("carts/<uuid:cart_id>/items", views.CartItemsView.as_view(), name="cart-items"),
    *optional_slash(
        "carts/<uuid:cart_id>/items/<uuid:item_id>", views.CartItemView.as_view(), name="cart-item"
    ),
    *optional_slash("carts/<uuid:cart_id>/claim", views.CartClaimView.as_view(), name="cart-claim"),
    *optional_slash("checkout", views.CheckoutView.as_view(), name="checkout"),
    *optional_slash("orders", views.OrderListView.as_view(), name="order-list"),
    *optional_slash("orders/<str:number>", views.OrderDetailView.as_view(), name="order-detail"),
    *optional_slash("orders/<str:number>/cancel", views.OrderCancelView.as_view(), name="order-cancel"),
    *optional_slash(
        "orders/<str:number>/transition", views.OrderTransitionView.as_view(), name="order-transition"
    ),
    *optional_slash("orders/<str:number>/refunds", views.OrderRefundView.as_view(), name="order-refunds"),
    *optional_slash("payments", views.PaymentListView.as_view(), name="payment-list"),
    *optional_slash("webhooks/stripe", views.StripeWebhookView.as_view(), name="webhook-stripe"),
    *optional_slash("webhooks/paystack", views.PaystackWebhookView.as_view(), name="webhook-paystack"),
]
