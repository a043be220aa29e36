"""governance source: bulk parsing of the staged files (see bulk.py)."""
