"""The API's JWTs carry the user's token version (``User.token_version``, raised by every
password change): a token whose version is not the user's current one is refused, by the
authentication of every request and by the refresh endpoint. Tokens without the claim (issued
before it existed) count as version 0, the version of an account whose password never changed.

Not simplejwt's CHECK_REVOKE_TOKEN: it would put a digest of the password hash in every token."""

from rest_framework_simplejwt import tokens

TOKEN_VERSION_CLAIM = "token_version"


def token_is_current(token, user) -> bool:
    return token.get(TOKEN_VERSION_CLAIM, 0) == user.token_version


class RefreshToken(tokens.RefreshToken):
    """simplejwt's refresh token with the version claim; its access tokens (and the rotated
    refresh tokens) copy it. The outstanding-token row keeps the token as first signed, without
    the claim: the blacklist goes by ``jti``, the row's copy is for reading only."""

    @classmethod
    def for_user(cls, user):
        token = super().for_user(user)
        token[TOKEN_VERSION_CLAIM] = user.token_version
        return token
