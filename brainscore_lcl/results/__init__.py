"""The results database (``db``: one row per model x benchmark cell, SQLite or PostgreSQL through SQLAlchemy), scores
read from it or computed and written into it (``store``), and the static leaderboard page built from it
(``leaderboard``). docs/grid.md describes the schema."""
