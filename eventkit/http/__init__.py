"""HTTP plumbing shared by every service: app factory, ops endpoints, errors, gunicorn runner."""
