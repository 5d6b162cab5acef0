from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenRefreshView

from apps.accounts import services
from apps.accounts.filters import UserFilter
from apps.accounts.selectors import user_list, user_personal_data_export
from apps.accounts.throttles import (
    LoginEmailThrottle,
    LoginIPThrottle,
    PasswordResetEmailThrottle,
    PasswordResetIPThrottle,
    RegisterIPThrottle,
)
from apps.accounts.tokens import RefreshToken
from apps.core.idempotency import idempotent
from apps.core.permissions import IsAdminRole

from .serializers import (
    DetailSerializer,
    LoginResponseSerializer,
    LoginSerializer,
    MeUpdateSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetSerializer,
    RefreshInputSerializer,
    RegisterSerializer,
    StaffUserSerializer,
    TokenPairSerializer,
    UserSerializer,
)

TAG = ["accounts"]

# Every response of this module (tokens, profiles, the GDPR export, their errors) is personal:
# Cache-Control: no-store (Django's never_cache), so no browser or proxy keeps a copy. Each view
# here carries it; a test walks the auth/ routes so a new one (MFA, OTP) cannot miss it.
no_store = method_decorator(never_cache, name="dispatch")


@no_store
class RegisterView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [RegisterIPThrottle]

    @extend_schema(tags=TAG, request=RegisterSerializer, responses={201: UserSerializer}, auth=[])
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_create(**serializer.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


@no_store
class LoginView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginIPThrottle, LoginEmailThrottle]

    def get_authenticate_header(self, request):
        # No authenticator runs here, but wrong credentials are still a 401 (not DRF's 403).
        return 'Bearer realm="api"'

    @extend_schema(tags=TAG, request=LoginSerializer, responses={200: LoginResponseSerializer}, auth=[])
    def post(self, request):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            email=serializer.validated_data["email"],
            password=serializer.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise AuthenticationFailed(
                "No active account matches this email and password.", code="invalid_credentials"
            )
        refresh = RefreshToken.for_user(user)
        update_last_login(None, user)
        return Response(
            {"access": str(refresh.access_token), "refresh": str(refresh), "user": UserSerializer(user).data}
        )


@no_store
class RefreshView(TokenRefreshView):
    """Rotates the refresh token: the old one is blacklisted, a reused one is refused (401)."""

    authentication_classes = []

    @extend_schema(tags=TAG, request=RefreshInputSerializer, responses={200: TokenPairSerializer}, auth=[])
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


@no_store
class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAG, request=RefreshInputSerializer, responses={204: None})
    def post(self, request):
        serializer = RefreshInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.refresh_token_blacklist(user=request.user, refresh=serializer.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


@no_store
class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAG, responses=UserSerializer)
    def get(self, request):
        return Response(UserSerializer(request.user).data)

    @extend_schema(tags=TAG, request=MeUpdateSerializer, responses=UserSerializer)
    def patch(self, request):
        serializer = MeUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.user_update(user=request.user, data=serializer.validated_data, actor=request.user)
        return Response(UserSerializer(user).data)

    @extend_schema(
        tags=TAG,
        responses={204: None},
        description="Erase: personal data anonymised, orders kept for accounting.",
    )
    def delete(self, request):
        services.user_erase(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@no_store
class MeExportView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAG,
        responses={
            200: OpenApiResponse(description="Everything the platform holds about the caller (JSON object).")
        },
    )
    def get(self, request):
        return Response(user_personal_data_export(user=request.user))


@no_store
class PasswordResetView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [PasswordResetIPThrottle, PasswordResetEmailThrottle]

    @extend_schema(tags=TAG, request=PasswordResetSerializer, responses={202: DetailSerializer}, auth=[])
    def post(self, request):
        serializer = PasswordResetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.password_reset_request(email=serializer.validated_data["email"])
        return Response(
            {"detail": "If an account has this email, a reset link is on its way."},
            status=status.HTTP_202_ACCEPTED,
        )


@no_store
class PasswordResetConfirmView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [PasswordResetIPThrottle]

    @extend_schema(tags=TAG, request=PasswordResetConfirmSerializer, responses={204: None}, auth=[])
    def post(self, request):
        serializer = PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.password_reset_confirm(**serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


@no_store
@extend_schema_view(
    list=extend_schema(tags=["accounts"]),
    retrieve=extend_schema(tags=["accounts"]),
    create=extend_schema(
        tags=["accounts"], description=("Create a user with roles. Accepts an `Idempotency-Key` header.")
    ),
    partial_update=extend_schema(tags=["accounts"]),
    destroy=extend_schema(tags=["accounts"], description="Deactivates the user (no hard delete)."),
)
class UserViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [IsAdminRole]
    serializer_class = StaffUserSerializer
    filterset_class = UserFilter
    search_fields = ["email", "full_name", "company"]
    ordering_fields = ["email", "date_joined", "last_login"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return user_list()

    @idempotent()
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_create(**serializer.validated_data, actor=request.user)
        return Response(self.get_serializer(user).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        user = self.get_object()
        serializer = self.get_serializer(user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("email", None)
        data.pop("password", None)
        user = services.user_update(
            user=user,
            data=data,
            actor=request.user,
            fields=services.STAFF_EDITABLE_FIELDS,
        )
        return Response(self.get_serializer(user_list().get(pk=user.pk)).data)

    def destroy(self, request, *args, **kwargs):
        services.user_deactivate(user=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
