"""Running SPARQL on the built dataset: the guard and the engine."""
