"""Demo data for accounts: a demo superuser, one user per staff role, two service providers
(the provider role; their businesses and resources are the tracking demo's), two customers."""

import json

from django.conf import settings

from apps.core.roles import ADMIN, CUSTOMER, PROVIDER

from .models import User
from .services import user_create


def seed(*, stdout=None) -> None:
    data = json.loads((settings.BASE_DIR / "fixtures" / "demo_users.json").read_text())
    password = settings.DEMO_PASSWORD
    admin_spec = {**data["admin"], "email": settings.DEMO_ADMIN_EMAIL}
    entries = [(admin_spec, [ADMIN], True)]
    entries += [(spec, spec["roles"], False) for spec in data["staff"]]
    entries += [(spec, [PROVIDER], False) for spec in data.get("providers", [])]
    entries += [(spec, [CUSTOMER], False) for spec in data["customers"]]
    created = 0
    for spec, roles, superuser in entries:
        if User.objects.filter(email=spec["email"]).exists():
            continue
        fields = {k: v for k, v in spec.items() if k in
                  ("full_name", "phone", "company", "preferred_currency")}
        user_create(email=spec["email"], password=password, roles=roles,
                    is_superuser=superuser, **fields)
        created += 1
    if stdout:
        stdout.write(f"accounts: {created} demo users created ({len(entries) - created} existed)")
