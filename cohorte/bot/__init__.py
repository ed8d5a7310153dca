"""Adapters, configuration, the composition root and the `cohorte` CLI."""
