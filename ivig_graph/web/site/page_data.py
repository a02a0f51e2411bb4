"""The pages' view of the dataset, loaded once per process in a background thread, so that
the server answers at once; a page asked for before it is ready waits for it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from flask import current_app

from ivig_graph.dataset.files import BuiltDataset
from ivig_graph.resources import Sources
from ivig_graph.web.views import Catalog
from ivig_graph.web.views.article import ArticleText, load_article

log = logging.getLogger(__name__)
EXTENSION = "ivig_graph.web.views"
LOAD_TIMEOUT = 60.0


class PageData:
    """The catalog, loaded in a background thread so that start-up is not held up by it."""

    def __init__(self, built: BuiltDataset) -> None:
        self._built = built
        self._loaded = threading.Event()
        self._catalog: Catalog | None = None
        self._error: BaseException | None = None
        self._article: ArticleText | None = None
        self._article_read = False
        self._article_lock = threading.Lock()
        threading.Thread(target=self._load, name="ivig-pages-load", daemon=True).start()

    def _load(self) -> None:
        try:
            self._catalog = Catalog.load(self._built)
        except BaseException as error:  # kept and raised to every page that asks
            log.exception("could not load the pages' view of the dataset")
            self._error = error
        finally:
            self._loaded.set()

    def article(self, manifest: Mapping[str, Any]) -> ArticleText | None:
        """The source article (read once), if it is the one the dataset was built from."""
        with self._article_lock:
            if not self._article_read:
                self._article = load_article(Sources.default().article, manifest)
                self._article_read = True
        return self._article

    def get(self) -> Catalog:
        if not self._loaded.wait(LOAD_TIMEOUT):
            raise RuntimeError("the pages' view of the dataset is still loading")
        if self._catalog is None:
            raise RuntimeError(
                "the pages' view of the dataset could not be loaded"
            ) from self._error
        return self._catalog


def catalog() -> Catalog:
    data: PageData = current_app.extensions[EXTENSION]
    return data.get()
