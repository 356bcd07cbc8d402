from django.urls import re_path

from runner.consumers import RunConsumer

websocket_urlpatterns: list = [re_path(r"^ws/runs/(?P<run_id>\d+)/$", RunConsumer.as_asgi())]
