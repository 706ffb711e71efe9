"""Applying a compiled pack to analysed documents: phases, overlap, records, document-level completion."""
