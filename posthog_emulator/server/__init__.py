"""Requests in and out.

The pipeline (app: route, fault, auth, throttle, view), routes and their handlers, rate
limits, faults, the HTTP server, and the test-facing `/_emulator/` routes (admin) and operations (control).
"""
