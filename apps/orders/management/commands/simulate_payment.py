import json

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.orders.models import Payment
from apps.orders.payments.offline import payment_intent_event, stripe_signature


class Command(BaseCommand):
    help = (
        "Development: pay (or fail) an order's pending offline payment by sending the signed Stripe "
        "webhook Stripe would send, to a running server."
    )

    def add_arguments(self, parser):
        parser.add_argument("order_number")
        parser.add_argument("--fail", action="store_true", help="send payment_intent.payment_failed instead")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="the server's base URL")

    def handle(self, *args, order_number, fail, url, **options):
        payment = (
            Payment.objects.select_related("order")
            .filter(order__number=order_number, provider__in=["offline", "stripe"], status="pending")
            .first()
        )
        if payment is None:
            raise CommandError(f"{order_number} has no pending Stripe or offline payment.")
        event_type = "payment_intent.payment_failed" if fail else "payment_intent.succeeded"
        body = json.dumps(payment_intent_event(payment=payment, event_type=event_type)).encode()
        response = requests.post(
            f"{url.rstrip('/')}/api/v1/webhooks/stripe",
            data=body,
            headers={
                "Content-Type": "application/json",
                "Stripe-Signature": stripe_signature(body, settings.STRIPE_WEBHOOK_SECRET),
            },
            timeout=10,
        )
        if response.status_code != 200:
            raise CommandError(f"The webhook answered {response.status_code}: {response.text[:300]}")
        self.stdout.write(self.style.SUCCESS(f"Sent {event_type} for {order_number}: {response.json()}"))
