"""Audit's pure rules: the hash chain and its verification."""
