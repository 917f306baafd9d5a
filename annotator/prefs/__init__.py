"""prefs."""
