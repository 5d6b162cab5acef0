"""JWT authentication with the user (roles and model permissions) cached, so an authenticated
request costs no SQL. The cache entry is dropped whenever the user, their roles or their roles'
permissions change (signals.py), so a deactivated user, or a token issued before the user's
last password change (tokens.py), is refused at once; at worst an update made with
QuerySet.update() (which sends no signal) shows after USER_CACHE_SECONDS."""

from django.conf import settings
from django.core.cache import cache
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.settings import api_settings

from .tokens import token_is_current


def user_cache_key(user_id) -> str:
    return f"accounts:auth-user:{user_id}"


class CachedJWTAuthentication(JWTAuthentication):
    def get_user(self, validated_token):
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as exc:
            raise AuthenticationFailed(
                "Token contained no recognizable user identification", code="token_not_valid"
            ) from exc
        key = user_cache_key(user_id)
        user = cache.get(key)
        if user is None:
            user = super().get_user(validated_token)  # raises for unknown or inactive users
            user._foundry_roles = set(user.groups.values_list("name", flat=True))
            user.get_all_permissions()  # ModelBackend keeps them on the user: cached with it
            cache.set(key, user, settings.USER_CACHE_SECONDS)
        if not user.is_active:
            raise AuthenticationFailed("User is inactive", code="user_inactive")
        if not token_is_current(validated_token, user):
            raise AuthenticationFailed(
                "The password changed after this token was issued: sign in again.", code="token_not_valid"
            )
        return user


def forget_cached_user(user_id) -> None:
    cache.delete(user_cache_key(user_id))
