"""Latent Lab's shared code, in rooms named by the question each answers.

- ``state``: what a page's settings and its link hold (the settings table, the page state, links).
- ``images``: which images the models learn from (the digits, or a visitor's upload).
- ``models``: which model, and how it trains (the catalog, the shared cache, the trainer and its
  jobs, the training page's session, the models the exploring pages show, the hosted limits).
- ``measures``: what is measured on the models and what the claims conclude from it.
- ``drawing``: how it is drawn (Plotly figures, exports, the custom components, the page skeleton).

No module imports one that imports it back (``tests/test_house.py`` checks).
"""
