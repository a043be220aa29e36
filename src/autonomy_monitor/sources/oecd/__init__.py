"""oecd source: bulk parsing and live fetching of one publisher."""
