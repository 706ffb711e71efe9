"""Testing rule packs: written examples, generated sentences, the pytest plugin."""
