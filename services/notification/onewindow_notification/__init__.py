"""onewindow notification service: tells the citizen (e-mail, SMS, in-app inbox) when the case is
accepted, needs a supplement, is completed or overdue, and invites a satisfaction rating.
"""
