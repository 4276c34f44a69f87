"""The post-mortem report: papermill runs the notebook, nbconvert writes one HTML file.

- :func:`crisis_kit.report.run.render_report` writes ``<incident>.ipynb``, ``.html`` and
  ``.summary.json``.
- :func:`crisis_kit.report.sections.build` is the one call the notebook makes: it runs
  :func:`crisis_kit.pipeline.run_analysis` once; :mod:`crisis_kit.report.views` arranges the
  result into the tables the sections and :mod:`crisis_kit.figures.charts` draw.

Nothing is imported here: the notebook's kernel imports ``sections`` alone and so does
not pay for papermill and nbconvert.
"""
