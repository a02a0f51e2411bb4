"""The built dataset: its files, exports, mappings and explanations."""
