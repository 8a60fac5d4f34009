"""Intake's pure rules: identity checks and validation of a submission against the catalogue."""
