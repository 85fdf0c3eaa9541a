"""The HTTP edge: Flask blueprints with marshmallow request and response schemas."""
