"""The weekly digest: figures and their definitions, weeks, wording, chart and Markdown; store and service."""
