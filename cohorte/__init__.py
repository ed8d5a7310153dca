"""Cohorte: the chat bot that runs a city-government sprint cohort."""
