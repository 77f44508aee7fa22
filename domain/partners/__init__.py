"""Channel partners: referral codes, versioned revenue-share agreements, monthly statements."""
