"""System checks of the payment configuration, shown by ``runserver`` and ``manage.py check``."""

from django.core import checks

from .payments import configured_provider, has_key, payment_currencies, provider_name_for

TO_TAKE_PAYMENTS = {
    "stripe": "Set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET",
    "paystack": "Set PAYSTACK_SECRET_KEY (it also verifies Paystack's webhooks)",
}


@checks.register("payments")
def payment_providers_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """One message per provider that cannot take its currencies. Development: a Warning, they
    are paid with the offline provider. Production: an Info, they cannot be paid (checkout
    answers 503), which ``check --deploy --fail-level WARNING`` lets through: a platform may run
    without taking payments."""
    by_provider: dict[tuple[str, str], list[str]] = {}
    for currency in payment_currencies():
        name, wanted = provider_name_for(currency), configured_provider(currency)
        if name != wanted:
            label = "any other currency" if currency == "*" else currency
            by_provider.setdefault((wanted, name or "unavailable"), []).append(label)
    messages = []
    for (wanted, name), labels in by_provider.items():
        currencies = " and ".join(labels)
        hint = f"{TO_TAKE_PAYMENTS.get(wanted, f'Configure {wanted}')} to take payments in {currencies}."
        if name == "offline":
            why = "PAYMENTS_OFFLINE is on" if has_key(wanted) else f"{wanted} has no key"
            messages.append(
                checks.Warning(
                    f"Payments in {currencies} use the offline provider, which takes no money ({why}).",
                    hint=hint,
                    id="orders.W001",
                )
            )
        else:
            messages.append(
                checks.Info(
                    f"Payments in {currencies} are unavailable ({wanted} has no key): checkout in "
                    f"{currencies} answers 503 payments_unavailable.",
                    hint=hint,
                    id="orders.I001",
                )
            )
    return messages
