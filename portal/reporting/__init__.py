"""Anonymous statistics, retention and purge, and notices to staff."""
