"""The grading kit: labs declare checks with points and budgets; the kit runs each in a subprocess."""
