"""Query building blocks the domain services of every module share."""
