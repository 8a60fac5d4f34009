"""onewindow audit service: appends every event of every topic to a hash-chained, append-only
record and answers timeline and verification queries.
"""
