"""The GraphQL face of consumer credit: BNPL plans at checkout, their repayments, banks'
claims on them, and the credit decisions behind them."""
