"""The conversation, read as a person would: events, text, who responds to whom, questions. Pure: no Discord, SQL or scheduler."""
