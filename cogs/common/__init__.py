"""Pieces every Hearth cog shares: permission checks, the error handler, embeds, pagination."""
