"""Randomness: named seed streams and the counter-based generator the engine draws from."""
