"""The sensor gateway's rules, pure: what a reading is and what makes one invalid."""
