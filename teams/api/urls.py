from django.urls import path

from teams.api import views

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("teams/", views.TeamListView.as_view(), name="teams"),
    path("teams/<str:team>/members/", views.TeamMembersView.as_view(), name="team-members"),
]
