"""Conformance kits: generic test suites any implementation of a kernel interface runs."""
