"""Risk control: an explainable credit scorecard (data, versioned) and fraud/velocity rules."""
