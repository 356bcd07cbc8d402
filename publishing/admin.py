from django.contrib import admin

from publishing.models import Endpoint, Schedule


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "team", "pipeline", "version", "updated_at"]
    list_filter = ["team"]
    search_fields = ["slug", "name"]
    readonly_fields = ["slug", "team", "pipeline", "created_by", "created_at", "updated_at"]


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ["id", "endpoint", "cron", "owner", "team", "last_run"]
    list_filter = ["team"]
    readonly_fields = ["team", "endpoint", "periodic_task", "last_run", "last_error", "created_at", "updated_at"]
