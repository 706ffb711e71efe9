"""pytest plugin: collects rule packs (filled in by koie.testing)."""
