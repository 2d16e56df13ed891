"""Pure helpers that every package, and every rule, may use: statistics with their intervals
(`stats`), words compared by their stems (`text`), the browser's language (`i18n`). They know
nothing of the app: no settings, no database, no web."""
