"""comtrade source: live fetching of UN Comtrade API v1 totals by partner."""
