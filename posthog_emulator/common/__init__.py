"""What every part of the emulator shares.

HTTP request/response/error types (web) and PostHog's time formats (timefmt).
"""
