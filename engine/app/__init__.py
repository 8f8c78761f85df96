"""Applications on top of the pipeline: the Playbook facade, folders, tests, diff, batch, cache."""
