from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.search.sources import SOURCES


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(min_length=1, max_length=200, trim_whitespace=True)
    limit = serializers.IntegerField(min_value=1, max_value=50, default=10, help_text="Results per group.")


class SearchHitSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    type = serializers.CharField()
    title = serializers.CharField()
    slug = serializers.CharField()
    summary = serializers.CharField()
    url = serializers.CharField()
    rank = serializers.FloatField()


class SearchGroupSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    results = SearchHitSerializer(many=True)


class SearchResponseSerializer(serializers.Serializer):
    query = serializers.CharField()
    groups = serializers.DictField(
        child=SearchGroupSerializer(), help_text="By type: products, news (and inquiries/rfqs for staff)."
    )


class SearchView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["search"],
        parameters=[SearchQuerySerializer],
        responses=SearchResponseSerializer,
        auth=[{}, {"jwtAuth": []}],
    )
    def get(self, request):
        query = SearchQuerySerializer(data=request.query_params.dict())  # "?limit=" is no limit
        query.is_valid(raise_exception=True)
        q, limit = query.validated_data["q"], query.validated_data["limit"]
        groups = {}
        for name, allowed, search in SOURCES:
            if allowed(user=request.user):
                total, hits = search(q=q, user=request.user, limit=limit)
                groups[name] = {"total": total, "results": hits}
        return Response({"query": q, "groups": groups})
