"""Compiling: PlaybookModel in, CompiledPlaybook (generated code, move table) out."""
