"""The playbook language: value types, expressions, messages and the JSON Schemas."""
