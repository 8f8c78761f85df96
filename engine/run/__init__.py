"""Running: a compiled playbook and a deal in, a Result (or a moved deal) out."""
