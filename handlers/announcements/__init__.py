"""announcements."""
