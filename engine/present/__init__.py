"""Presenting: results and playbooks in, text, JSON and handbooks out."""
