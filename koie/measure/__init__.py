"""Measuring a pack: precision and recall against gold pairs, and where its matching time goes."""
