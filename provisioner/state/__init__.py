"""The state document and its backends."""
