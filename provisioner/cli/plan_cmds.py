"""CLI commands: plan."""
