"""Storage: the engine and sessions, migrations, the batched writer, the models and shared SQL helpers."""
