// Draws every figure the page handed over with json_script: <div data-figure="id of the script">.
(function () {
  "use strict";
  // On a touch screen the toolbar would sit over the bars and a finger cannot hover it away.
  var touch = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
  var config = {responsive: true, displaylogo: false, displayModeBar: touch ? false : "hover",
                modeBarButtonsToRemove: ["select2d", "lasso2d"]};

  // A phone's width: axis titles and tick labels make their own room rather than overlap.
  function fit(el, layout) {
    layout.autosize = true;
    delete layout.width;
    ["xaxis", "yaxis"].forEach(function (axis) {
      if (layout[axis]) {
        layout[axis].automargin = true;
      }
    });
    if (el.clientWidth < 500) {
      layout.margin = Object.assign({}, layout.margin || {}, {l: 8, r: 8});
      if (layout.legend) {
        layout.legend.orientation = "h";
      }
    }
    return layout;
  }

  function draw() {
    if (typeof Plotly === "undefined") {
      return;
    }
    document.querySelectorAll("[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.dataset.figure);
      if (!source) {
        return;
      }
      var figure = JSON.parse(source.textContent);
      Plotly.newPlot(el, figure.data, fit(el, figure.layout || {}), config);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
