"""Notification's pure rules: which event tells the citizen what, and how the message reads."""
