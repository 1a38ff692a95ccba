"""Ready-to-use tender text: a criteria set as clauses grouped by type, as Markdown and as a Word document."""
