"""Online wealth management's GraphQL face: money-market funds."""
