"""API-key authentication and partner isolation shared by every HTTP service."""
