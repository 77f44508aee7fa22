"""What every resolver receives: the request, the clock and the platform's profile."""

from dataclasses import dataclass
from typing import TypeAlias

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from domain.clock import Clock
from domain.platform import PlatformProfile


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | WebSocket
    clock: Clock
    platform: PlatformProfile


Info: TypeAlias = strawberry.Info[Context, None]
