"""The web endpoint over a built dataset: ``app.create_app(dataset, config)`` builds the Flask app.

Importing the package imports nothing else, so what the command line needs of it before the
server starts (``config``) costs no Flask, rdflib or engine import.
"""
