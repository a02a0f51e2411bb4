"""Serving the built dataset: query workers under a budget, and the HTTP server."""
