from django.contrib import admin

from teams.models import ApiToken, AuditEvent, Membership, Team

admin.site.register(Team)
admin.site.register(Membership)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "prefix", "created_at", "last_used_at"]
    readonly_fields = ["user", "prefix", "digest", "created_at", "last_used_at"]

    def has_add_permission(self, request: object) -> bool:
        return False  # a key exists only when made by teams.tokens.create_token (API or Tokens page)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "team", "actor_name", "action", "target"]
    list_filter = ["action"]
