"""Keep the explorer's plotly figures as wide as their grid cells.

plotly's ``FigureWidget`` (plotly 6+, an anywidget) sizes an autosized figure once, when
it is first drawn; drawn before JupyterLab has laid the output out, it takes plotly's
default 700 px and overflows a narrower cell. :class:`FitCharts` is an invisible
widget whose front end watches the chart grid with a ``ResizeObserver`` and, whenever
the grid's size changes (first layout included), asks each figure to resize to its
cell. The figures are built with plotly.js's ``responsive`` option, which gives each
figure the resize handler called here.
"""

from __future__ import annotations

import anywidget
import traitlets

__all__ = ["FitCharts"]

_ESM = """
function render({ model, el }) {
  el.style.display = "none";
  let frame = null;
  const fit = (grid) => {
    frame = null;
    for (const plot of grid.querySelectorAll(".js-plotly-plot")) {
      if (typeof plot._responsiveChartHandler === "function") plot._responsiveChartHandler();
    }
  };
  const observer = new ResizeObserver((entries) => {
    const grid = entries[0].target;
    if (frame === null) frame = requestAnimationFrame(() => fit(grid));
  });
  let tries = 0;
  const attach = () => {
    const root = el.closest(model.get("root"));
    const grid = root && root.querySelector(model.get("grid"));
    if (grid) {
      observer.observe(grid);
      for (const cell of grid.children) observer.observe(cell);
    } else if (tries++ < 600) {
      requestAnimationFrame(attach);
    }
  };
  attach();
  return () => observer.disconnect();
}
export default { render };
"""


class FitCharts(anywidget.AnyWidget):
    """An invisible widget that resizes the figures of a grid to its cells.

    Parameters
    ----------
    root : str
        CSS selector of the enclosing element (the explorer), searched upwards.
    grid : str
        CSS selector of the chart grid inside ``root``.
    """

    _esm = _ESM
    root = traitlets.Unicode(".ck-explorer").tag(sync=True)
    grid = traitlets.Unicode(".ck-charts").tag(sync=True)
