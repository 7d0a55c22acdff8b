"""CLI commands: apply."""
