"""The matcher: a Pike VM over one sentence's morphemes, in Python and compiled."""
