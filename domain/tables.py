"""Imports every table module so `SQLModel.metadata` is complete for Alembic and tests.

Each context that adds tables adds its module here.
"""

from sqlmodel import SQLModel

from domain.advertising import tables as advertising_tables
from domain.audit import tables as audit_tables
from domain.consumer_credit import tables as consumer_credit_tables
from domain.crowdfunding import tables as crowdfunding_tables
from domain.disclosure import tables as disclosure_tables
from domain.events import tables as event_tables
from domain.idempotency import tables as idempotency_tables
from domain.insurance import tables as insurance_tables
from domain.ledger import tables as ledger_tables
from domain.lending import tables as lending_tables
from domain.liquidity import tables as liquidity_tables
from domain.participants import tables as participant_tables
from domain.partners import tables as partner_tables
from domain.payments import tables as payment_tables
from domain.revenue import tables as revenue_tables
from domain.supply_chain import tables as supply_chain_tables
from domain.wealth import tables as wealth_tables
from domain.webhooks import tables as webhook_tables

metadata = SQLModel.metadata
TABLE_MODULES = (
    audit_tables,
    participant_tables,
    ledger_tables,
    idempotency_tables,
    event_tables,
    lending_tables,
    webhook_tables,
    revenue_tables,
    payment_tables,
    consumer_credit_tables,
    crowdfunding_tables,
    disclosure_tables,
    insurance_tables,
    liquidity_tables,
    partner_tables,
    supply_chain_tables,
    wealth_tables,
    advertising_tables,
)
