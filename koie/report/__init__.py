"""The HTML report: one self-contained page of records, explanations and a who-met-whom graph."""
