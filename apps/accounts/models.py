import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from apps.core.models import currency_code_validator


def normalize_email(email: str) -> str:
    """Emails are logins: compared case-insensitively, stored lower-cased."""
    return (email or "").strip().lower()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(email=normalize_email(username))

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=normalize_email(email), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField("email address", max_length=254, unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    company = models.CharField(max_length=200, blank=True)
    preferred_currency = models.CharField(max_length=3, default="USD", validators=[currency_code_validator])
    email_verified = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="Can log into the admin. Set from the user's staff roles."
    )
    date_joined = models.DateTimeField(default=timezone.now)
    erased_at = models.DateTimeField(
        null=True, blank=True, help_text="When the user's personal data was erased on request."
    )
    token_version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Raised by every password change; API tokens carrying an older one are refused.",
    )

    objects = UserManager()

    # The role names, cached on the instance by apps.core.roles.user_roles (not a field).
    _foundry_roles: set[str]

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self):
        return self.email

    def clean(self):
        super().clean()
        self.email = normalize_email(self.email)

    # --- Password changes end every session -------------------------------------------------
    # Any password change (the admin's form, the changepassword command, the API reset, an
    # unusable password, erasure) comes through set_password or set_unusable_password: it raises
    # token_version, which the JWTs carry (apps.accounts.tokens), so every token issued before it
    # is refused at once; once the change commits, signals.py blacklists the refresh tokens.

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self._password_changed()

    def set_unusable_password(self):
        super().set_unusable_password()
        self._password_changed()

    def _password_changed(self):
        if self._state.adding or getattr(self, "_rehashing", False):
            return  # a new account has no tokens yet; a hash upgrade keeps the password
        self.token_version += 1
        self._sessions_revoked = True

    def check_password(self, raw_password):
        # Django re-hashes a correct password with the preferred hasher through set_password:
        # the password stays the same, so the sessions do too.
        self._rehashing = True
        try:
            return super().check_password(raw_password)
        finally:
            self._rehashing = False

    async def acheck_password(self, raw_password):
        self._rehashing = True
        try:
            return await super().acheck_password(raw_password)
        finally:
            self._rehashing = False

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and getattr(self, "_sessions_revoked", False):
            kwargs["update_fields"] = {*update_fields, "token_version"}  # save(update_fields=["password"])
        super().save(*args, **kwargs)

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return (self.full_name or self.email).split(" ")[0]
