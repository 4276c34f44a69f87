"""The post-mortem report: papermill runs the notebook, nbconvert writes one HTML file.

- :func:`crisis_kit.report.run.render_report` writes ``<incident>.ipynb`` and ``.html``.
- :func:`crisis_kit.report.sections.build` is the one call the notebook makes.

Nothing is imported here: the notebook's kernel imports ``sections`` alone and so does
not pay for papermill and nbconvert.
"""
