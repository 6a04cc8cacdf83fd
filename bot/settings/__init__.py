"""Settings: the process config (TOML and environment) and each server's settings, with one set of defaults and one door for changes."""
