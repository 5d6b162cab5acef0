from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class CachedJWTScheme(SimpleJWTScheme):
    """Documents CachedJWTAuthentication as the Bearer JWT scheme it is."""

    target_class = "apps.accounts.authentication.CachedJWTAuthentication"
    name = "jwtAuth"
