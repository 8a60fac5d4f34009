"""onewindow routing service: maps item × region to the responsible departments at the right level,
fans bundles out, sets working-day deadlines, re-routes returned tasks and joins task results
into one answer.
"""
