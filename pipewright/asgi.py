"""ASGI entry point: Django for HTTP, Channels for the run WebSockets."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipewright.settings")
django.setup(set_prefix=False)

from pipewright.asgi_handler import SyncChainHandler, pool_connections  # noqa: E402

# the web process's connections from a pool; Django's handler with its middleware chain run
# synchronously, in one thread hop per request (asgi_handler.py)
pool_connections()
django_asgi_app = SyncChainHandler()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from pipewright import daphne_requests  # noqa: E402
from pipewright.middleware import BodyLimitASGI  # noqa: E402
from pipewright.ws_auth import WebSocketGate  # noqa: E402
from runner.asgi import RunReadFastPath  # noqa: E402
from runner.routing import websocket_urlpatterns  # noqa: E402
from serving.asgi import ScoreFastPath  # noqa: E402
from teams.tokens import user_for_key  # noqa: E402

daphne_requests.install()  # Twisted parses no POST body Daphne would throw away (daphne_requests.py)

application = ProtocolTypeRouter(
    {
        # POST /api/deployments/<slug>/score skips Django's (partly sync-only) middleware chain, and
        # so does a token's GET /api/runs/<id>/ (runner/asgi.py: what polling scripts cost)
        "http": BodyLimitASGI(RunReadFastPath(ScoreFastPath(django_asgi_app))),
        # token or session authentication, the origin check, and final close codes (ws_auth.py)
        "websocket": WebSocketGate(URLRouter(websocket_urlpatterns), user_for_token=user_for_key),
    }
)
