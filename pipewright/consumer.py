"""The workers' message consumer: Celery's, made to survive losing Redis with a task in flight.

Celery 5.7, on losing the broker, first collects the broken connection, which detaches its
transport, and then closes it. Closing the Redis channel restores its unacknowledged messages
through that detached transport and raises AttributeError ("'NoneType' object has no attribute
'hostname'"), which Celery does not ignore: "Unrecoverable error", and the worker shuts down once
its tasks end. Every task is acknowledged late, so any worker busy when Redis restarted died, and
the control worker's sweep came back only when run.py had started it again (15 s and more).

Here the transport stays attached to the connection it belongs to until that connection is closed,
so closing it only fails with the connection errors Celery expects, and the late acknowledgement of
a task that ends after the loss reaches Redis once it is back, or is logged if it is not.

Mingle and Gossip are left out: Pipewright revokes nothing and reads no worker events (the database
holds every step's state), while Mingle waited a second for neighbours on every (re)connection and
Gossip's stop failed on the connection Celery 5.7 clears before restarting its steps.
"""

from typing import Any

from celery.worker.consumer import Consumer as CeleryConsumer

LEFT_OUT = {"without_mingle": True, "without_gossip": True}  # as `celery worker --without-...` says


class Consumer(CeleryConsumer):  # type: ignore[misc]
    def __init__(self, *args: Any, worker_options: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, worker_options={**(worker_options or {}), **LEFT_OUT}, **kwargs)

    def on_connection_error_after_connected(self, exc: Exception) -> None:
        connection = self.connection
        transport = getattr(connection, "_transport", None)
        if transport is not None:
            collect = connection.collect

            def collect_keeping_transport(*args: Any, **kwargs: Any) -> None:
                collect(*args, **kwargs)
                transport.client = connection  # collect() detached it; close() and late acks need it

            connection.collect = collect_keeping_transport
        super().on_connection_error_after_connected(exc)
