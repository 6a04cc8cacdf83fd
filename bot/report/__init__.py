"""The HTML report of exported history: page data, its store and service, charts and template."""
