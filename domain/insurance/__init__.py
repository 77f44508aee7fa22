"""Internet insurance: insurers\x27 products sold on the platform, policies, premiums, claims."""
