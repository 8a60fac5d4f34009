"""onewindow intake service: validates submissions against the service catalogue, assigns case
numbers, stores the application (ID number encrypted at rest) and emits ApplicationAccepted /
ApplicationRejected.
"""
