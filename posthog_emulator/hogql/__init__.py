"""The HogQL engine, table-agnostic.

Lex and parse a SELECT, evaluate expressions and functions on a row,
aggregate (group), and shape results; schema holds the columns PostHog's tables have.
"""
