"""The grading kit: checks with points and budgets, each run in a subprocess, scored."""
