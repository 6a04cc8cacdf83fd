"""Where events come from: the Discord gateway, history backfill, DiscordChatExporter exports and their replay, and the analysis report."""
