"""Sealing payloads under per-record data keys, and getting those keys from ingestion's key store.

See docs/adr/0006-erasure-by-crypto-shredding.md: every field that holds or derives from a partner's
payload travels and is stored sealed under its record's data key; destroying the key erases the record.
"""
