"""Storage: SQLAlchemy 2 models, repositories and the batched writer."""
