"""remittances_by_sender source: central-bank figures of remittances by sending country."""
