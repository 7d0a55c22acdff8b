"""Local Kaleyra API emulator."""
