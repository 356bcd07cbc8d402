from django.contrib import admin

from modules.models import Membership, Team

admin.site.register(Team)
admin.site.register(Membership)
