"""Every knob of an emulator, fixed at start or swapped whole at run time.

settings (data shape, quirks, faults, profiles) and limit_settings (rate limits, query cost).
"""
