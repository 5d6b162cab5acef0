"""Account writes. Views, the admin, commands and tasks all come through here."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from apps.core.activity import activity_log_scrub_person, activity_record, is_staff_user, snapshot
from apps.core.errors import ApplicationError
from apps.core.roles import ADMIN, ALL_ROLES, CUSTOMER, STAFF_ROLES
from apps.core.selectors import site_settings_get
from apps.core.services import model_update

from .api import PERSONAL_DATA_SOURCES, AnyUser, password_reset_requested
from .models import User, normalize_email

logger = logging.getLogger(__name__)

PROFILE_FIELDS = ["full_name", "phone", "company", "preferred_currency"]
STAFF_EDITABLE_FIELDS = [*PROFILE_FIELDS, "is_active", "email_verified"]


def _validate_roles(roles) -> list[str]:
    unknown = sorted(set(roles) - set(ALL_ROLES))
    if unknown:
        raise ValidationError(
            {"roles": f"Unknown role(s): {', '.join(unknown)}. Roles: {', '.join(ALL_ROLES)}."}
        )
    return list(dict.fromkeys(roles))


def _apply_roles(user: User, roles: list[str]) -> None:
    groups = list(Group.objects.filter(name__in=roles))
    user.groups.set(groups)
    user_sync_staff_flag(user=user, roles=roles)
    user._foundry_roles = set(roles)


def user_sync_staff_flag(*, user: User, roles: Iterable[str] | None = None) -> None:
    """Staff roles (and superusers) may log into the admin; customers may not."""
    if roles is None:
        roles = set(user.groups.values_list("name", flat=True))
    is_staff = user.is_superuser or bool(set(roles) & set(STAFF_ROLES))
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str | None = None,
    full_name: str = "",
    phone: str = "",
    company: str = "",
    preferred_currency: str | None = None,
    roles: list[str] | tuple[str, ...] = (CUSTOMER,),
    is_superuser: bool = False,
    is_active: bool = True,
    email_verified: bool = False,
    actor: AnyUser | None = None,
) -> User:
    email = normalize_email(email)
    roles = _validate_roles(roles)
    user = User(
        email=email,
        full_name=full_name,
        phone=phone,
        company=company,
        preferred_currency=preferred_currency or site_settings_get().default_currency,
        is_superuser=is_superuser,
        is_active=is_active,
        email_verified=email_verified,
    )
    if User.objects.filter(email=email).exists():
        raise ValidationError({"email": "A user with this email already exists."})
    if password:
        try:
            validate_password(password, user=user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent registration with the same email
        raise ValidationError({"email": "A user with this email already exists."}) from exc
    _apply_roles(user, roles)
    if actor is not None:
        activity_record(actor=actor, action="create", entity=user, after={**snapshot(user), "roles": roles})
    if not password and actor is not None and is_active:
        # A staff-created account without a password: the user is invited to set one.
        password_reset_send(user=user, invitation=True)
    return user


@transaction.atomic
def user_update(*, user: User, data: dict, actor: AnyUser | None, fields: list[str] | None = None) -> User:
    before = {**snapshot(user), "roles": sorted(user.groups.values_list("name", flat=True))}
    if actor is not None and actor.pk == user.pk:  # no locking oneself out of the admin API
        if "is_active" in data and not data["is_active"]:
            raise ApplicationError(
                "You cannot deactivate your own account here.",
                code="cannot_deactivate_self",
                attr="is_active",
            )
        if "roles" in data and ADMIN in before["roles"] and ADMIN not in (data["roles"] or []):
            raise ApplicationError(
                "You cannot remove your own admin role.", code="cannot_remove_own_admin", attr="roles"
            )
    user, _ = model_update(instance=user, fields=fields or PROFILE_FIELDS, data=data)
    if "roles" in data:
        _apply_roles(user, _validate_roles(data["roles"]))
    if "is_active" in data and not data["is_active"]:
        tokens_revoke_all(user=user)
    after = {**snapshot(user), "roles": sorted(user.groups.values_list("name", flat=True))}
    if is_staff_user(actor):
        activity_record(actor=actor, action="update", entity=user, before=before, after=after)
    return user


@transaction.atomic
def user_deactivate(*, user: User, actor: AnyUser | None) -> User:
    if actor is not None and actor.pk == user.pk:
        raise ApplicationError("You cannot deactivate your own account here.", code="cannot_deactivate_self")
    if user.is_active:
        before = snapshot(user)
        user.is_active = False
        user.save(update_fields=["is_active"])
        tokens_revoke_all(user=user)
        activity_record(
            actor=actor, action="user.deactivate", entity=user, before=before, after=snapshot(user)
        )
    return user


def tokens_revoke_all(*, user: User) -> int:
    """Blacklist every outstanding refresh token of the user (logout everywhere). Password
    changes call it after they commit (signals.py)."""
    tokens = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    rows = [BlacklistedToken(token_id=pk) for pk in tokens.values_list("pk", flat=True)]
    BlacklistedToken.objects.bulk_create(rows, ignore_conflicts=True)  # concurrent revocations
    return len(rows)


def refresh_token_blacklist(*, user: User, refresh: str) -> None:
    """Logout: the given refresh token (which must be the caller's) stops working."""
    try:
        # simplejwt annotates ``token`` as a Token, but it takes the encoded token it decodes.
        token = RefreshToken(refresh)  # type: ignore[arg-type]
    except TokenError as exc:
        raise ValidationError({"refresh": "The refresh token is invalid or expired."}) from exc
    if str(token.get("user_id")) != str(user.pk):
        raise ValidationError({"refresh": "This refresh token does not belong to you."})
    token.blacklist()


@transaction.atomic
def user_erase(*, user: User) -> None:
    """GDPR erasure: personal data anonymised, the account closed; records that accounting
    needs (orders, payments) keep pointing at the anonymised user."""
    for source in PERSONAL_DATA_SOURCES.values():
        if source.erase is not None:
            source.erase(user=user)
    activity_record(actor=user, action="user.erase", entity=user, only_changes=False)
    activity_log_scrub_person(user_id=user.pk, entity_type=User._meta.label_lower)
    user.email = f"erased-{uuid.uuid4().hex}@erased.invalid"
    user.full_name = ""
    user.phone = ""
    user.company = ""
    user.is_active = False
    user.email_verified = False
    user.erased_at = timezone.now()
    user.set_unusable_password()  # ends every session of the user (User.set_unusable_password)
    user.save()
    user.groups.clear()


# --- Password reset ------------------------------------------------------------------------


def password_reset_send(*, user: User, invitation: bool = False) -> None:
    """A one-time link to set a new password (or, for an invitation, the first one). The email
    itself is the notifications app's: it listens to ``password_reset_requested`` and queues
    it in this transaction (sent once the transaction commits)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    receivers = password_reset_requested.send(
        sender=User,
        user=user,
        invitation=invitation,
        reset_url=f"{settings.FRONTEND_URL}/reset-password?uid={uid}&token={token}",
        valid_hours=settings.PASSWORD_RESET_TIMEOUT // 3600,
    )
    if not receivers:
        logger.error("password reset for user %s: no email listener is installed", user.pk)


def password_reset_request(*, email: str) -> None:
    """Queues the reset for the worker, whether or not an account has that email: the request
    does the same work either way, so its answer (and its time) tells nothing. (Nothing is
    written here, so there is no transaction to wait for.)"""
    from .tasks import password_reset_deliver

    password_reset_deliver.delay(normalize_email(email))


def password_reset_deliver(*, email: str) -> None:
    """In the worker: sends a reset link when an active account has that email."""
    user = User.objects.filter(email=normalize_email(email), is_active=True).first()
    if user is not None:
        password_reset_send(user=user)


@transaction.atomic
def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    invalid = ValidationError({"token": "The reset link is invalid or has expired."})
    try:
        pk = force_str(urlsafe_base64_decode(uid))
        user = User.objects.select_for_update().get(pk=uuid.UUID(pk), is_active=True)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist) as exc:
        raise invalid from exc
    if not default_token_generator.check_token(user, token):
        raise invalid
    try:
        validate_password(new_password, user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    user.set_password(new_password)  # ends every session of the user (User.set_password)
    user.save(update_fields=["password"])
    return user
