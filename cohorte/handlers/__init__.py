"""Use cases: neutral `Incoming` + context -> list of `Reply`. No platform imports."""
