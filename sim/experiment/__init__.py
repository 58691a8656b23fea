"""Experiments: seeds, replications and the executors that run them."""
