"""Why a subscription to events ends or is refused; each carries the code a client acts on."""

from domain.errors import DomainError


class CursorExpired(DomainError):
    """The events after the cursor are no longer all kept: the client must refetch its state."""

    code = "CURSOR_EXPIRED"

    def __init__(self, after: int) -> None:
        super().__init__(
            f"events after cursor {after} are no longer retained: refetch the state you show "
            "(e.g. wallets) and subscribe again without `after`",
            field="after",
        )


class SlowConsumer(DomainError):
    """The subscriber fell too far behind; it is disconnected so it cannot stall others."""

    code = "SLOW_CONSUMER"

    def __init__(self, buffered: int) -> None:
        super().__init__(
            f"more than {buffered} events waited for this subscriber: disconnected; "
            "subscribe again with `after` set to the last cursor received"
        )


class EventsUnavailable(DomainError):
    """The event streams cannot be read now (Redis is down): the client retries later."""

    code = "EVENTS_UNAVAILABLE"

    def __init__(self) -> None:
        super().__init__("events are unavailable for a moment: subscribe again shortly")
