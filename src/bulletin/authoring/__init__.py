"""The writer's path: new files from templates, Word import, and `bulletin check`."""
