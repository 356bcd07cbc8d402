from django.contrib import admin

from designer.models import Dataset, DatasetVersion, Pipeline, PipelineVersion


class PipelineVersionInline(admin.TabularInline):
    model = PipelineVersion
    fields = ["number", "created_by", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "revision", "updated_at"]
    list_filter = ["team"]
    search_fields = ["name"]
    readonly_fields = ["revision", "created_by", "created_at", "updated_at"]
    inlines = [PipelineVersionInline]


@admin.register(PipelineVersion)
class PipelineVersionAdmin(admin.ModelAdmin):
    list_display = ["pipeline", "number", "created_by", "created_at"]
    readonly_fields = ["pipeline", "number", "graph", "plan", "errors", "warnings", "created_by", "created_at"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class DatasetVersionInline(admin.TabularInline):
    model = DatasetVersion
    fields = ["version", "filename", "size", "artifact", "created_by", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "created_at"]
    list_filter = ["team"]
    inlines = [DatasetVersionInline]
