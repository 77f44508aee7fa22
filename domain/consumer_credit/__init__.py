"""Consumer credit: buy now, pay later at merchant checkout (plans, refunds, credit limits)."""
