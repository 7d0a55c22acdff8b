"""CLI commands: state."""
