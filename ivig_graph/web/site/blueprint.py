"""The pages' one blueprint: every page route is registered on it (``url_for("pages.…")``)."""

from __future__ import annotations

from flask import Blueprint

pages = Blueprint("pages", __name__)
