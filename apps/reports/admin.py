from django.contrib import admin

from .models import Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = (
        "dataset",
        "requested_by",
        "status",
        "rows",
        "total_rows",
        "attempts",
        "created_at",
        "finished_at",
    )
    list_filter = ("status", "dataset")
    search_fields = ("requested_by__email", "dataset")
    list_select_related = ("requested_by",)
    readonly_fields = (
        "requested_by", "dataset", "filters", "format", "compress", "status", "rows", "total_rows", "file",
        "file_size", "attempts", "error", "created_at", "started_at", "finished_at",
    )  # fmt: skip
    fields = readonly_fields

    def has_add_permission(self, request):
        return False  # requested through the API

    def has_change_permission(self, request, obj=None):
        return False
