"""Money in GraphQL: a decimal string and its currency, never a Float."""

import strawberry

from domain.money import Money as DomainMoney


@strawberry.type(description='An exact amount, e.g. { amount: "123.45", currency: "CNY" }.')
class Money:
    amount: str = strawberry.field(description="Decimal string with the currency's decimals.")
    currency: str = strawberry.field(description="ISO 4217 code.")

    @classmethod
    def of(cls, money: DomainMoney) -> "Money":
        return cls(amount=money.to_decimal_string(), currency=money.currency)


@strawberry.input
class MoneyInput:
    amount: str = strawberry.field(description='Decimal string, e.g. "100.00".')
    currency: str
