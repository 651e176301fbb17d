"""The live workshop server (``raterkit live``): the room rates blind on their own devices, the
trainer reveals, the room discusses and re-rates.

A face over the core like ``site/``: the core never imports it. ``schema`` holds the database
tables (the one place they are defined), ``store`` every query, ``room`` the session rules and
the views each role may see, ``app`` the HTTP routes, pages and event streams.
"""
