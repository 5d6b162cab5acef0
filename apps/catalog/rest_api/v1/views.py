from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.catalog import cache as response_cache
from apps.catalog import selectors, services
from apps.catalog.models import Document, Product
from apps.cms import api as cms_api
from apps.core.models import currency_code_validator
from apps.core.pagination import PAGE_PARAMS, PageNumberPagination
from apps.core.permissions import HasRole
from apps.core.roles import STAFF_ROLES, has_role

from .serializers import (
    CategoryTreeSerializer,
    DocumentSerializer,
    ProductDetailSerializer,
    ProductListSerializer,
    ProductWriteSerializer,
)

TAG = ["catalog"]
JSON = "application/json"


def _key_for(kind: str, audience: str, path: str, params, currency: str, version: int | None = None) -> str:
    query = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "currency")
    return response_cache.response_key(
        kind, audience, path.rstrip("/"), query, currency or "", version=version
    )


# Answers that depend on stock change with every sale, not with catalog writes (which are what
# the response cache's version follows): they are always computed.
UNCACHED_PARAMS = {"in_stock"}


def _public_cache_key(request, kind: str, currency: str) -> str | None:
    """Signed-in non-staff callers share responses (they may see "authenticated" documents,
    so never with anonymous callers). Staff responses are never cached."""
    if not settings.CATALOG_CACHE_SECONDS or not request.user.is_authenticated:
        return None  # anonymous callers: AnonymousCacheMixin
    if UNCACHED_PARAMS.intersection(request.query_params):
        return None
    if has_role(request.user, *STAFF_ROLES):
        return None
    return _key_for(kind, "signed-in", request.path, request.query_params, currency)


class AnonymousCacheMixin:
    """Anonymous GETs are answered from the response cache before DRF does any work, in one
    cache round trip; a miss runs the view and stores its 200 response."""

    cache_kind = ""

    def dispatch(self, request, *args, **kwargs):
        if not (
            request.method == "GET"
            and "HTTP_AUTHORIZATION" not in request.META
            and settings.CATALOG_CACHE_SECONDS
            and not UNCACHED_PARAMS.intersection(request.GET)
        ):
            return super().dispatch(request, *args, **kwargs)
        key, version, content = response_cache.anonymous_lookup(self.cache_kind, request.path, request.GET)
        if content is not None:
            return HttpResponse(content, content_type=JSON)
        response = super().dispatch(request, *args, **kwargs)
        if response.status_code == 200 and not request.user.is_authenticated:
            response.render()
            response_cache.anonymous_store(key, version, response.content)
        return response


def _cached(key):
    if key is None:
        return None
    content = response_cache.get(key)
    return HttpResponse(content, content_type=JSON) if content is not None else None


def _store(key, response):
    if key is not None and response.status_code == 200:
        response.render()
        response_cache.put(key, response.content)
    return response


CanManageCatalog = HasRole.of(*selectors.CATALOG_MANAGERS)


def _currency(request) -> str | None:
    """The currency asked for, else the caller's preferred one; None means the site's default
    (the selectors resolve it in the same query as the products)."""
    requested = request.query_params.get("currency")
    if requested is not None:  # ``?currency=`` is no currency: a 400
        field = serializers.CharField(validators=[currency_code_validator])
        try:
            return field.run_validation(requested.upper())
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"currency": exc.detail}) from exc
    user = request.user
    if user and user.is_authenticated and user.preferred_currency:
        return user.preferred_currency
    return None


class ProductQuerySerializer(serializers.Serializer):
    category = serializers.CharField(required=False, help_text="Slug or id; includes sub-categories.")
    status = serializers.ChoiceField(
        choices=Product.Status.choices,
        required=False,
        help_text="Staff only; the public sees active products.",
    )
    min_price = serializers.DecimalField(max_digits=12, decimal_places=2, required=False)
    max_price = serializers.DecimalField(max_digits=12, decimal_places=2, required=False)
    currency = serializers.RegexField(
        r"^[A-Za-z]{3}$", required=False, help_text="ISO 4217 (any case); default: yours, else the site's."
    )
    search = serializers.CharField(required=False, allow_blank=True, max_length=200)
    ordering = serializers.ChoiceField(choices=sorted(selectors.ORDERINGS), required=False)
    in_stock = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: products with stock available (an active variant in an active warehouse); "
        "false: the others. Answers are never served from the response cache.",
    )


class ProductListView(AnonymousCacheMixin, APIView):
    pagination_class = PageNumberPagination
    cache_kind = "list"

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [CanManageCatalog()]

    @extend_schema(
        tags=TAG,
        parameters=[ProductQuerySerializer],
        responses=ProductListSerializer(many=True),
        auth=[{}, {"jwtAuth": []}],
    )
    def get(self, request):
        params = {}
        if request.query_params.keys() - PAGE_PARAMS:  # the plain listing skips the validation
            # A plain dict: DRF reads a QueryDict's "" as "not given", so ``?status=`` would list
            # every status instead of answering that "" is no status.
            query = ProductQuerySerializer(data=request.query_params.dict())
            query.is_valid(raise_exception=True)
            params = query.validated_data
        currency = _currency(request)
        key = _public_cache_key(request, "list", currency)
        if (hit := _cached(key)) is not None:
            return hit
        category_ids = None
        if params.get("category"):
            category_ids = selectors.category_with_descendants(identifier=params["category"])
            if category_ids is None:
                raise serializers.ValidationError({"category": "No such category."})
        paginator = self.pagination_class()

        def fetch(offset: int, limit: int):
            page = selectors.product_page(
                user=request.user,
                currency=currency,
                ordering=params.get("ordering", "position"),
                offset=offset,
                limit=limit,
                status=params.get("status"),
                category_ids=category_ids,
                min_price=params.get("min_price"),
                max_price=params.get("max_price"),
                search=params.get("search") or None,
                in_stock=params.get("in_stock"),
            )
            return page.total, page.cards

        data = paginator.paginate_fetched(request, fetch)
        return _store(key, self.finalize_response(request, paginator.get_paginated_response(data)))

    @extend_schema(tags=TAG, request=ProductWriteSerializer, responses={201: ProductDetailSerializer})
    def post(self, request):
        serializer = ProductWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = services.product_create(data=serializer.validated_data, actor=request.user)
        detail = selectors.product_detail(user=request.user, slug=product.slug, currency=_currency(request))
        return Response(detail, status=status.HTTP_201_CREATED)


class ProductDetailView(AnonymousCacheMixin, APIView):
    cache_kind = "detail"

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [CanManageCatalog()]

    def _detail(self, request, slug, currency) -> dict:
        product = selectors.product_detail(user=request.user, slug=slug, currency=currency)
        if product is None:
            raise NotFound("No product with this slug.")
        return product

    @extend_schema(
        tags=TAG,
        parameters=[
            OpenApiParameter("currency", str, description="ISO 4217 (any case)", pattern="^[A-Za-z]{3}$")
        ],
        responses=ProductDetailSerializer,
        auth=[{}, {"jwtAuth": []}],
    )
    def get(self, request, slug):
        currency = _currency(request)
        key = _public_cache_key(request, "detail", currency)
        if (hit := _cached(key)) is not None:
            return hit
        response = Response(self._detail(request, slug, currency))
        return _store(key, self.finalize_response(request, response))

    @extend_schema(tags=TAG, request=ProductWriteSerializer, responses=ProductDetailSerializer)
    def patch(self, request, slug):
        product = get_object_or_404(Product, slug=slug)
        serializer = ProductWriteSerializer(product, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        product = services.product_update(product=product, data=serializer.validated_data, actor=request.user)
        return Response(self._detail(request, product.slug, _currency(request)))

    @extend_schema(tags=TAG, responses={204: None}, description="Archives the product (no hard delete).")
    def delete(self, request, slug):
        services.product_archive(product=get_object_or_404(Product, slug=slug), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CategoryTreeView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(tags=TAG, responses=CategoryTreeSerializer(many=True), auth=[{}, {"jwtAuth": []}])
    def get(self, request):
        key = response_cache.response_key("categories", "all")
        if (hit := _cached(key)) is not None:
            return hit
        return _store(key, self.finalize_response(request, Response(selectors.category_tree())))


class DocumentListView(APIView):
    pagination_class = PageNumberPagination

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [CanManageCatalog()]

    @extend_schema(tags=TAG, responses=DocumentSerializer(many=True), auth=[{}, {"jwtAuth": []}])
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.document_list(user=request.user), request, view=self)
        return paginator.get_paginated_response(DocumentSerializer(page, many=True).data)

    @extend_schema(tags=TAG, request=DocumentSerializer, responses={201: DocumentSerializer})
    def post(self, request):
        serializer = DocumentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        document = services.document_create(data=serializer.validated_data, actor=request.user)
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class DocumentDownloadView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAG,
        responses={
            302: OpenApiResponse(
                description="Redirect to a signed URL (S3, valid "
                "MEDIA_PRIVATE_URL_SECONDS: 5 minutes by default)."
            ),
            200: OpenApiResponse(description="The file, as an attachment (local storage)."),
        },
        auth=[{}, {"jwtAuth": []}],
    )
    def get(self, request, pk):
        document = Document.objects.select_related("file").filter(pk=pk).first()
        if document is None:
            raise NotFound("No such document.")
        if document.access_level not in selectors.visible_document_levels(user=request.user):
            if (
                not request.user.is_authenticated
                and document.access_level == Document.AccessLevel.AUTHENTICATED
            ):
                raise NotAuthenticated("Sign in to download this document.")
            raise NotFound("No such document.")
        services.document_count_download(document=document)
        return cms_api.media_download_response(document.file)
