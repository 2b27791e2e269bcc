"""Kernel: what a release means (features and their commits), GFP masks by era, the request."""
