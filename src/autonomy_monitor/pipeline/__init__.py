"""The data pipeline, in the order data flow through it.

``rawstore`` (raw bytes + provenance sidecars) <- ``fetch`` (live APIs) ;
``sources/`` parse raw files into core tables -> ``warehouse`` (the DuckDB file, atomic
writes, provenance records) -> ``steps/`` (derived tables) ; ``build`` orchestrates a build ;
``bundle`` writes the small bundled snapshot of derived tables shipped with the package.

Nothing is imported here, so importing one stage never pays for the others.
"""
