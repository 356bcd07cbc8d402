from django.urls import path

from teams.api import views

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("teams/", views.TeamListView.as_view(), name="teams"),
    path("teams/<str:team>/members/", views.TeamMembersView.as_view(), name="team-members"),
    path("teams/<str:team>/members/<str:username>/", views.TeamMemberView.as_view(), name="team-member"),
    path("teams/<str:team>/audit/", views.TeamAuditView.as_view(), name="team-audit"),
    path("tokens/", views.TokenListView.as_view(), name="tokens"),
    path("tokens/<int:pk>/", views.TokenDetailView.as_view(), name="token"),
]
