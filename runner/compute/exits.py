"""Step containers' exits as the engine announces them: one `die` event stream per worker process.

Why: the engine's wait API answers about 10 ms after its own `die` event (measured on Docker
20.10: the exit code is known, the engine is still cleaning up the container). A step learns its
container's exit from the event instead, so its outputs are stored, its record committed and its
event sent that much sooner, and a chain's next step starts that much sooner.

Safe by construction: a step registers its container before starting it, while the stream is up.
The stream asks for events since a second before it connected, so none is missed between the
subscription and the first registration; a registration in one connection is answered in that
connection. When the stream breaks (the engine restarts, its socket goes), every step waiting is
told so and goes back to the wait API, as do steps that start while it reconnects.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)
RECONNECT_SECONDS = 1.0


@dataclass
class Exit:
    """One container's exit: `event` is set when it is known (`code`), or when the stream that
    would have announced it broke (`lost`: ask the wait API)."""

    event: threading.Event = field(default_factory=threading.Event)
    code: int | None = None
    lost: bool = False


class Watcher:
    def __init__(self, make_api: Any, label: str) -> None:
        self.make_api = make_api  # () -> a low-level docker APIClient
        self.label = label
        self.lock = threading.Lock()
        self.waiting: dict[str, Exit] = {}
        self.up = False
        self.pid = 0
        self.stream: Any = None
        self.announced = 0  # exits a waiting step learned from the stream (for tests and logs)

    def watch(self, container_id: str) -> Exit | None:
        """Register before the container starts; None when the stream is not up (use the wait API)."""
        with self.lock:
            if self.pid != os.getpid():  # first use in this process (or a fork): its own stream
                self.pid, self.up, self.waiting = os.getpid(), False, {}
                threading.Thread(target=self._follow, name="docker-exits", daemon=True).start()
                return None
            if not self.up:
                return None
            found = self.waiting[container_id] = Exit()
            return found

    def forget(self, container_id: str) -> None:
        with self.lock:
            self.waiting.pop(container_id, None)

    def _follow(self) -> None:
        pid = os.getpid()
        said = False  # one warning per outage, not one a second
        while os.getpid() == pid:
            try:
                api = self.make_api()
                since = int(time.time()) - 1  # whole seconds: replays the last one or two, harmless
                filters = {"type": "container", "event": "die", "label": f"{self.label}=1"}
                stream = api.events(since=since, filters=filters, decode=True)
                with self.lock:
                    self.up, self.stream = True, stream
                if said:
                    log.warning("docker exits: the event stream is back")
                said = False
                for event in stream:
                    self._announce(event)
                raise ConnectionError("the engine closed the event stream")
            except Exception as exc:  # the engine away or restarting
                if not said:
                    log.warning("docker exits: the event stream failed (steps use the wait API meanwhile): %s", exc)
                    said = True
            self._lose_all()
            time.sleep(RECONNECT_SECONDS)

    def _announce(self, event: dict[str, Any]) -> None:
        with self.lock:
            found = self.waiting.pop(event.get("id") or event.get("Actor", {}).get("ID", ""), None)
        if found is not None:
            self.announced += 1
            try:
                found.code = int(event.get("Actor", {}).get("Attributes", {}).get("exitCode", -1))
            except ValueError:
                found.code = -1
            found.event.set()

    def _lose_all(self) -> None:
        with self.lock:
            self.up, self.stream = False, None
            lost, self.waiting = list(self.waiting.values()), {}
        for found in lost:
            found.lost = True
            found.event.set()
