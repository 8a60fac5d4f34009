"""onewindow gateway: the HTTP face (FastAPI, /api/v1) for counters, citizens, agencies and ops."""
