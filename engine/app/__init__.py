"""Applications on top of the pipeline: the Playbook facade, lint, folders, tests, diff, batch."""
