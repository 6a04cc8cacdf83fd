"""Hearth's benchmarks: each figure is measured beside the floor set by the tools it stands on."""
