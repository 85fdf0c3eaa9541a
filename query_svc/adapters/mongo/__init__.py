"""MongoDB adapters: the materialized views, checkpoints and rebuild jobs."""
