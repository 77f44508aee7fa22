"""Online wealth management (网络理财): a money-market fund run by a partner asset manager."""
