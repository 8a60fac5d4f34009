"""Routing's pure rules: from an accepted application to departments, levels and deadlines."""
