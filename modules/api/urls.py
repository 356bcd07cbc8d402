from django.urls import path

from modules.api import teams

urlpatterns = [
    path("me/", teams.MeView.as_view(), name="me"),
    path("teams/", teams.TeamListView.as_view(), name="teams"),
    path("teams/<str:team>/members/", teams.TeamMembersView.as_view(), name="team-members"),
]
