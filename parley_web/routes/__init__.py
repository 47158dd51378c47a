"""The cockpit's routes, one module per concern; each has a `register(app)` that adds its routes."""
