"""Demo data for accounts: a demo superuser, one user per staff role, two service providers
(the provider role; their businesses and resources are the jobs demo's), two customers.

Every demo user's password is DEMO_PASSWORD in development. In a production deployment
(``seed_demo --allow-production``) each gets a random one instead, and the admin's is printed
once: the README's published password never opens a deployed admin."""

from django.conf import settings

from apps.core.demo_mode import demo_fixture, demo_secret, in_production
from apps.core.roles import ADMIN, CUSTOMER, PROVIDER

from .models import User
from .services import user_create


def seed(*, stdout=None) -> None:
    data = demo_fixture("demo_users")
    admin_spec = {**data["admin"], "email": settings.DEMO_ADMIN_EMAIL}
    entries = [(admin_spec, [ADMIN], True)]
    entries += [(spec, spec["roles"], False) for spec in data["staff"]]
    entries += [(spec, [PROVIDER], False) for spec in data.get("providers", [])]
    entries += [(spec, [CUSTOMER], False) for spec in data["customers"]]
    created = 0
    for spec, roles, superuser in entries:
        if User.objects.filter(email=spec["email"]).exists():
            continue
        fields = {
            k: v for k, v in spec.items() if k in ("full_name", "phone", "company", "preferred_currency")
        }
        password = demo_secret(settings.DEMO_PASSWORD)
        user_create(email=spec["email"], password=password, roles=roles, is_superuser=superuser, **fields)
        created += 1
        if superuser and in_production() and stdout:
            stdout.write(
                f"accounts: the demo admin {spec['email']} has the password {password} "
                "(shown once; the other demo users have random passwords: set them in "
                "the admin)"
            )
    if stdout:
        stdout.write(f"accounts: {created} demo users created ({len(entries) - created} existed)")
