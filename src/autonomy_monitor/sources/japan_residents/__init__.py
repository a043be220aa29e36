"""japan_residents source: bulk parsing of the staged files (see bulk.py)."""
