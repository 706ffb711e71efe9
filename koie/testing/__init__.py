"""Testing rule packs: written examples, generated sentences, the pytest plugin.

examples (each rule's ``match``/``no_match``) · words (particles, inflection,
name pools) → generate (sentences from patterns) and metamorphic (changed
examples) → checks (did the rule do what the sentence says) → properties (the
runner, one result per rule and property) · profiles (koie-ci, koie-dev) ·
pytest_plugin.
"""
