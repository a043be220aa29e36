"""trade_recent source: partner-level trade after DOTS (national statistics, Eurostat, Russian
customs, press)."""
