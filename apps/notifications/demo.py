"""Demo notifications: a few outbox emails (sent, delivered, failed) rendered from the real
templates, in-app notifications for the demo admin, an SMS opt-in and a suppressed address.
Idempotent: the demo emails carry ``"demo": true`` in their context, the rest is get_or_create."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from apps.accounts.api import User

from .models import EmailMessage, Notification, NotificationPreference, Suppression
from .services.outbox import email_create

ORDER = {
    "number": "FD-2026-000042",
    "status": "paid",
    "currency": "NGN",
    "subtotal": "1250000.00",
    "shipping": "5000.00",
    "tax": "93750.00",
    "total": "1348750.00",
}
LINES = [
    {
        "sku": "PUMP-SUB-2HP",
        "name": "Submersible pump 2 HP",
        "quantity": 2,
        "unit_price": "425000.00",
        "line_total": "850000.00",
    },
    {
        "sku": "PIPE-HDPE-50",
        "name": "HDPE pipe 50 mm (100 m)",
        "quantity": 4,
        "unit_price": "100000.00",
        "line_total": "400000.00",
    },
]


def _emails(admin_email: str):
    now = timezone.now()
    return [
        (
            "amaka@example.com",
            "order_confirmation",
            {"order": ORDER, "lines": LINES, "customer_name": "Amaka", "payment_pending": False},
            {
                "status": "sent",
                "attempts": 1,
                "sent_at": now - timedelta(days=2),
                "delivery_status": "delivered",
                "provider_message_id": "demo-0001",
            },
        ),
        (
            "amaka@example.com",
            "payment_received",
            {
                "order": ORDER,
                "payment": {
                    "amount": ORDER["total"],
                    "currency": "NGN",
                    "provider": "paystack",
                    "reference": "PSK-DEMO-42",
                    "paid_at": (now - timedelta(days=2)).isoformat(),
                },
                "customer_name": "Amaka",
            },
            {
                "status": "sent",
                "attempts": 2,
                "sent_at": now - timedelta(days=2),
                "provider_message_id": "demo-0002",
            },
        ),
        (
            "logistics@foundry.local",
            "low_stock_digest",
            {
                "count": 1,
                "levels": [
                    {
                        "sku": "PUMP-SUB-2HP",
                        "product": "Submersible pump",
                        "variant": "2 HP",
                        "warehouse": "lag-1",
                        "available": 3,
                        "on_hand": 5,
                        "reserved": 2,
                        "threshold": 5,
                    }
                ],
            },
            {
                "status": "sent",
                "attempts": 1,
                "sent_at": now - timedelta(hours=5),
                "provider_message_id": "demo-0003",
            },
        ),
        (
            "jordan@example.com",
            "order_confirmation",
            {
                "order": {
                    **ORDER,
                    "number": "FD-2026-000043",
                    "currency": "USD",
                    "subtotal": "980.00",
                    "shipping": "0.00",
                    "tax": "0.00",
                    "total": "980.00",
                },
                "lines": [
                    {
                        "sku": "GEN-5KVA",
                        "name": "Generator 5 kVA",
                        "quantity": 1,
                        "unit_price": "980.00",
                        "line_total": "980.00",
                    }
                ],
                "customer_name": "Jordan",
                "payment_pending": True,
            },
            {
                "status": "failed",
                "attempts": settings.EMAIL_MAX_ATTEMPTS,
                "error_message": "AnymailAPIError: Resend API response 503 (Service Unavailable)",
            },
        ),
        (
            admin_email,
            "email_test",
            {"provider": settings.EMAIL_PROVIDER},
            {
                "status": "sent",
                "attempts": 1,
                "sent_at": now - timedelta(minutes=30),
                "provider_message_id": "demo-0005",
            },
        ),
    ]


NOTIFICATIONS = [
    (
        "Payment reconciliation found 2 issues",
        "Review the latest run in the admin.",
        "/admin/orders/reconciliationrun/",
        False,
    ),
    (
        "Low stock: 1 item",
        "PUMP-SUB-2HP at lag-1 is at 3 units.",
        "/admin/inventory/stocklevel/?low=1",
        False,
    ),
    ("Welcome to Foundry", "Your demo workspace is ready.", "/", True),
]


def seed(*, stdout=None) -> None:
    admin = User.objects.filter(email=settings.DEMO_ADMIN_EMAIL).first()
    created_emails = 0
    if not EmailMessage.objects.filter(context__demo=True).exists():
        for to, template, context, outcome in _emails(settings.DEMO_ADMIN_EMAIL):
            message = email_create(to=to, template=template, context={**context, "demo": True})
            now = timezone.now()
            EmailMessage.objects.filter(pk=message.pk).update(
                last_attempt_at=outcome.get("sent_at") or now, next_attempt_at=now, **outcome
            )
            created_emails += 1
    created_notifications = 0
    if admin is not None:
        for title, body, link, read in NOTIFICATIONS:
            _, created = Notification.objects.get_or_create(
                user=admin,
                title=title,
                defaults={"body": body, "link": link, "read_at": timezone.now() if read else None},
            )
            created_notifications += created
    customer = User.objects.filter(email="amaka@example.com").first()
    if customer is not None:
        NotificationPreference.objects.get_or_create(user=customer, defaults={"sms_opt_in": True})
    Suppression.objects.get_or_create(
        email="bounced@example.com",
        defaults={
            "reason": Suppression.Reason.HARD_BOUNCE,
            "source": "demo",
            "detail": "550 5.1.1 The email account does not exist.",
        },
    )
    if stdout:
        stdout.write(f"notifications: {created_emails} outbox emails, {created_notifications} notifications")
