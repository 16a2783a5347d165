"""ocopsite: a static site generator for Vietnam's OCOP product catalogues.

The subpackages follow the pipeline, and imports flow one way, from each layer to the
layers before it (``tests/test_layers.py`` checks it):

- the foundations, modules of this package: ``cachekey`` (the user's key that seals what
  a build reads back from the site's cache folder), ``diagnostics``, ``files``,
  ``keptfiles`` (what caches keep between builds), ``paths``, ``parallel`` and
  ``sitefiles`` (the one gate every file read goes through);
- ``model``: the validated catalogue as frozen dataclasses, and the domain's rules
  (ratings, validity, GTINs, provinces, Vietnamese text);
- ``assets``: photos and the cache of expensive files;
- ``load``: configuration and records read, checked and turned into the model;
- ``view``: URLs, page specifications, views, UI strings and the theme;
- ``trace`` and ``search``: the traceability pages with their QR codes and labels, and
  the search index;
- ``render``: every page and machine-readable file of the site;
- ``output``: the list of outputs, made and written;
- ``build``: the pipeline that runs the stages in order;
- ``commands``: the command line.
"""

__version__ = "0.1.0"
