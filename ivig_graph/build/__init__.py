"""Building the dataset: load -> validate -> reason -> write (pipeline.py)."""
