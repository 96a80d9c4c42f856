"""Person-scoped behaviour over the tables: every function takes the acting person and refuses
what they may not see. Tools and Reflex event handlers call these; they never build queries."""
