"""Supervision's rules, pure: the policy, when each step of the escalation ladder is due, the
monthly indicators and their composite score, and the red and black lists."""
