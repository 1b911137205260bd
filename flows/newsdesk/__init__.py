"""newsdesk."""
