"""Tables, engine and queries. Imports nothing else of ours."""
