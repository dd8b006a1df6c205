"""The fence: every line of database code that is not the ORM lives in this package.

Contract:
- Code outside ``annotations.db`` talks to the database through the ORM only: no
  ``connection.cursor()``, no raw SQL strings, no ``RawSQL``, no Django internals
  (``_state``, cursor wrappers). An import-linter contract and a test hold this.
- Code inside builds its SQL from the models' own table and column names (never a literal
  table name), returns model instances or plain tuples, and has a test that holds it equal
  to the ORM query it stands in for.
- Vendor differences (PostgreSQL, SQLite) are decided here, not by the callers.
"""
