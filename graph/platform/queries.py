"""`platform { name version currency }`: who answers, and in which home currency."""

import strawberry

from graph.context import Info
from graph.permissions import ANYONE, allow


@strawberry.type(description="The platform answering this API.")
class Platform:
    name: str
    version: str
    currency: str = strawberry.field(description="Home currency, ISO 4217.")


@strawberry.type
class PlatformQueries:
    @allow(ANYONE)
    @strawberry.field(description="Name, version and home currency of the platform.")
    def platform(self, info: Info) -> Platform:
        profile = info.context.platform
        return Platform(name=profile.name, version=profile.version, currency=profile.currency)
