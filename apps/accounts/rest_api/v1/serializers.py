from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.serializers import TokenRefreshSerializer as SimpleJWTRefreshSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from apps.accounts.models import User, normalize_email
from apps.accounts.selectors import user_roles_of
from apps.accounts.tokens import RefreshToken, token_is_current
from apps.core.models import currency_code_validator
from apps.core.roles import ALL_ROLES


class UserSerializer(serializers.Serializer):
    """The profile. Output is built directly (it is on every authenticated page load); the
    declared fields document it and a test holds the two in step."""

    id = serializers.UUIDField(read_only=True)
    email = serializers.EmailField(read_only=True)
    full_name = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)
    company = serializers.CharField(read_only=True)
    roles = serializers.ListField(child=serializers.CharField(), read_only=True)
    preferred_currency = serializers.CharField(read_only=True)
    email_verified = serializers.BooleanField(read_only=True)
    date_joined = serializers.DateTimeField(read_only=True)
    last_login = serializers.DateTimeField(read_only=True, allow_null=True)

    def to_representation(self, user):
        return {
            **_identity(user),
            "roles": user_roles_of(user=user),
            "preferred_currency": user.preferred_currency,
            "email_verified": user.email_verified,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        }


def _identity(user) -> dict:
    """Who the user is, as both user representations start."""
    return {
        "id": str(user.id),
        "email": user.email,
        "full_name": user.full_name,
        "phone": user.phone,
        "company": user.company,
    }


def _iso(value):
    return serializers.DateTimeField().to_representation(value) if value else None


class MeUpdateSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    company = serializers.CharField(max_length=200, required=False, allow_blank=True)
    preferred_currency = serializers.CharField(
        min_length=3, max_length=3, required=False, validators=[currency_code_validator]
    )


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})
    full_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate_email(self, value):
        value = normalize_email(value)
        if User.objects.filter(email=value).exists():
            raise serializers.ValidationError("A user with this email already exists.", code="unique")
        return value

    def validate(self, attrs):
        candidate = User(email=attrs["email"], full_name=attrs.get("full_name", ""))
        try:
            validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs


class LoginSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, style={"input_type": "password"})


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class LoginResponseSerializer(TokenPairSerializer):
    user = UserSerializer()


class RefreshInputSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class TokenRefreshSerializer(SimpleJWTRefreshSerializer):
    """simplejwt's rotation (SIMPLE_JWT["TOKEN_REFRESH_SERIALIZER"]), refusing a refresh token
    of an unknown or inactive user, or one issued before the user's last password change."""

    token_class = RefreshToken

    def validate(self, attrs):
        refresh = self.token_class(attrs["refresh"])  # signature, expiry, type, blacklist
        user = (
            User.objects.filter(**{jwt_settings.USER_ID_FIELD: refresh.get(jwt_settings.USER_ID_CLAIM)})
            .only("id", "is_active", "token_version")
            .first()
        )
        if user is None or not user.is_active or not token_is_current(refresh, user):
            raise InvalidToken("This refresh token is no longer valid: sign in again.")
        return super().validate(attrs)


class PasswordResetSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)
    new_password = serializers.CharField(max_length=128, style={"input_type": "password"})


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class StaffUserSerializer(serializers.ModelSerializer):
    """Users as admins manage them."""

    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=ALL_ROLES),
        required=False,
        help_text="Role names; staff roles give admin access.",
    )
    password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=128,
        help_text="Optional. Without one, the user is emailed an invitation to set it.",
    )

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "full_name",
            "phone",
            "company",
            "roles",
            "preferred_currency",
            "is_active",
            "is_staff",
            "email_verified",
            "date_joined",
            "last_login",
            "password",
        ]
        read_only_fields = ["id", "is_staff", "date_joined", "last_login"]
        extra_kwargs = {"email": {"validators": []}}

    def to_representation(self, user):
        """The declared fields, built directly: DRF's walk over them was a quarter of the
        admins' user list page. ``test_api_users`` holds it equal to ``generic_representation``."""
        return {
            **_identity(user),
            "preferred_currency": user.preferred_currency,
            "is_active": user.is_active,
            "is_staff": user.is_staff,
            "email_verified": user.email_verified,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "roles": user_roles_of(user=user),  # last, as DRF's walk adds it (a user has no ``roles``)
        }

    def generic_representation(self, user):
        """DRF's own walk over the declared fields: the reference the direct build must equal."""
        data = super().to_representation(user)
        data["roles"] = user_roles_of(user=user)
        return data

    def validate_email(self, value):
        value = normalize_email(value)
        if self.instance is not None and value != self.instance.email:
            raise serializers.ValidationError("The email of an account cannot be changed here.")
        return value
