"""Lending: loan schedules and quotes (later: products, applications, notes, repayments)."""
