"""fault_injection."""
