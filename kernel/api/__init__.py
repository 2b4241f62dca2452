"""Kubernetes API machinery shared by the API server and its clients (errors, wire values)."""
