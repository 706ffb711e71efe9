"""Analysed text: the analyser protocol, Kiwi behind one adapter, the notation analyser, the cache."""
