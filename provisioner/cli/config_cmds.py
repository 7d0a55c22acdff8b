"""CLI commands: config."""
