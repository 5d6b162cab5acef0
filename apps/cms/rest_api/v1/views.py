from django.http import QueryDict
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.cms import selectors, services, storage
from apps.cms.filters import MediaFilter, NewsFilter
from apps.cms.models import MediaFile, NewsArticle
from apps.core.pagination import PageNumberPagination
from apps.core.permissions import HasRole

from .serializers import (
    MediaFileSerializer,
    MediaUploadResponseSerializer,
    MediaUploadSerializer,
    NewsDetailSerializer,
    NewsListSerializer,
    NewsWriteSerializer,
    PageSerializer,
    PresignedInputSerializer,
    PresignedOutputSerializer,
)

TAG = ["cms"]
PUBLIC_OR_AUTH = [{}, {"jwtAuth": []}]
CanManageContent = HasRole.of(*selectors.CMS_MANAGERS)
META_KEYS = ("alt_text", "caption", "tags", "is_public")


class NewsListView(generics.ListAPIView):
    """GET: published news (content staff: every article, `?status=`). POST: create."""

    pagination_class = PageNumberPagination
    filterset_class = NewsFilter
    search_fields = ["title", "summary", "content"]
    ordering_fields = ["published_at", "created_at", "title", "views_count"]
    ordering = ["-published_at", "-created_at"]

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [CanManageContent()]

    def get_queryset(self):
        return selectors.news_list(user=self.request.user)

    def get_serializer_class(self):
        return NewsListSerializer

    @extend_schema(tags=TAG, responses=NewsListSerializer(many=True), auth=PUBLIC_OR_AUTH)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAG,
        request=NewsWriteSerializer,
        responses={201: NewsDetailSerializer},
        description="Create an article; the slug comes from the title (unique). "
        "`scheduled` needs `publish_at` in the future; `published` sets "
        "`published_at` to now.",
    )
    def post(self, request):
        serializer = NewsWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        article = services.news_create(data=serializer.validated_data, actor=request.user)
        return Response(NewsDetailSerializer(article).data, status=status.HTTP_201_CREATED)


class NewsDetailView(APIView):
    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [CanManageContent()]

    def _get(self, request, slug) -> NewsArticle:
        article = selectors.news_get(user=request.user, slug=slug)
        if article is None:
            raise NotFound("No article with this slug.")
        return article

    @extend_schema(
        tags=TAG, responses=NewsDetailSerializer, auth=PUBLIC_OR_AUTH, description="Counts a view."
    )
    def get(self, request, slug):
        article = services.news_register_view(article=self._get(request, slug))
        return Response(NewsDetailSerializer(article).data)

    @extend_schema(tags=TAG, request=NewsWriteSerializer, responses=NewsDetailSerializer)
    def patch(self, request, slug):
        article = self._get(request, slug)
        serializer = NewsWriteSerializer(article, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        article = services.news_update(article=article, data=serializer.validated_data, actor=request.user)
        return Response(NewsDetailSerializer(self._get(request, article.slug)).data)

    @extend_schema(tags=TAG, responses={204: None}, description="Archives the article.")
    def delete(self, request, slug):
        services.news_archive(article=self._get(request, slug), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PageDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAG,
        responses=PageSerializer,
        auth=PUBLIC_OR_AUTH,
        description="A static page (about, terms); content staff also see unpublished pages.",
    )
    def get(self, request, slug):
        page = selectors.page_get(user=request.user, slug=slug)
        if page is None:
            raise NotFound("No page with this slug.")
        return Response(PageSerializer(page).data)


class MediaListView(generics.ListAPIView):
    permission_classes = [CanManageContent]
    pagination_class = PageNumberPagination
    filterset_class = MediaFilter
    search_fields = ["file_name", "alt_text", "caption"]
    ordering_fields = ["created_at", "size", "file_name"]
    ordering = ["-created_at"]
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = MediaFileSerializer

    def get_queryset(self):
        return selectors.media_list()

    @extend_schema(tags=TAG, responses=MediaFileSerializer(many=True))
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=TAG,
        request={"multipart/form-data": MediaUploadSerializer},
        responses={
            201: MediaUploadResponseSerializer,
            413: OpenApiResponse(
                description="A file is over MEDIA_MAX_UPLOAD_BYTES (code `file_too_large`)."
            ),
        },
        description="Upload one or many files (multipart field `file` or `files`). Types are "
        "sniffed from the content; one bad file and nothing is stored.",
    )
    def post(self, request):
        files = request.FILES.getlist("file") + request.FILES.getlist("files")
        meta = QueryDict(mutable=True)
        for key in META_KEYS:
            if key in request.data:
                meta.setlist(key, request.data.getlist(key))
        serializer = MediaUploadSerializer(data=meta)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k in META_KEYS}
        created = services.media_upload(files=files, data=data, actor=request.user)
        return Response(
            {"results": MediaFileSerializer(created, many=True).data}, status=status.HTTP_201_CREATED
        )


class MediaDetailView(APIView):
    permission_classes = [CanManageContent]

    def _get(self, pk) -> MediaFile:
        media = selectors.media_get(pk=pk)
        if media is None:
            raise NotFound("No such media file.")
        return media

    @extend_schema(tags=TAG, responses=MediaFileSerializer)
    def get(self, request, pk):
        return Response(MediaFileSerializer(self._get(pk)).data)

    @extend_schema(
        tags=TAG,
        responses={
            204: None,
            409: OpenApiResponse(
                description="The file is in use (code `media_in_use`); the message names the users."
            ),
        },
        description="Deletes the media file and its stored object.",
    )
    def delete(self, request, pk):
        services.media_delete(media=self._get(pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MediaPresignedView(APIView):
    permission_classes = [CanManageContent]

    @extend_schema(
        tags=TAG,
        request=PresignedInputSerializer,
        responses={201: PresignedOutputSerializer},
        description="A presigned S3 POST for a large file (valid 10 minutes): POST the "
        "`fields` and then the file to `url`, then POST /media/{id}/complete. Local-disk "
        "storage answers 400 `presigned_unavailable`.",
    )
    def post(self, request):
        serializer = PresignedInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        media, post = services.media_presign(
            file_name=data.pop("file_name"),
            content_type=data.pop("content_type"),
            size=data.pop("size"),
            data=data,
            actor=request.user,
        )
        return Response(
            {
                "id": str(media.id),
                **post,
                "expires_in": storage.PRESIGNED_EXPIRES_SECONDS,
                "max_size": media.size,
            },
            status=status.HTTP_201_CREATED,
        )


class MediaCompleteView(APIView):
    permission_classes = [CanManageContent]

    @extend_schema(
        tags=TAG,
        request=None,
        responses=MediaFileSerializer,
        description="Checks the presigned upload arrived with the declared size, "
        "sniffs its type and marks it ready; a disallowed type is deleted.",
    )
    def post(self, request, pk):
        media = get_object_or_404(MediaFile, pk=pk)
        media = services.media_complete(media=media, actor=request.user)
        return Response(MediaFileSerializer(media).data)
