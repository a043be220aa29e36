// Renders every <figure class="chart" data-spec="URL"> with vega-embed (vendored, no CDN).
// Expressions run in Vega's interpreter (ast: true), so the page needs no 'unsafe-eval'.
// Each chart has a table or text alternative in the page; without JavaScript only those show.
(function () {
  "use strict";

  function embedChart(figure) {
    if (figure.dataset.rendered) {
      return Promise.resolve();
    }
    figure.dataset.rendered = "pending";
    var target = figure.querySelector(".vis");
    return fetch(figure.dataset.spec, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("chart spec " + figure.dataset.spec + ": HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (spec) {
        return window.vegaEmbed(target, spec, { actions: false, ast: true, renderer: "svg", tooltip: true });
      })
      .then(function () {
        figure.dataset.rendered = "done";
      })
      .catch(function (error) {
        figure.dataset.rendered = "failed";
        target.textContent = "The chart could not be drawn; the table below has the same data.";
        console.error(error);
      });
  }

  function embedAll(root) {
    var figures = (root || document).querySelectorAll("figure.chart[data-spec]");
    return Promise.all(Array.prototype.map.call(figures, embedChart));
  }

  document.addEventListener("DOMContentLoaded", function () {
    embedAll(document);
    document.body.addEventListener("htmx:beforeSwap", function (event) {
      // A 422 carries a one-sentence message (e.g. a share above 1): show it in place.
      if (event.detail.xhr.status === 422) {
        event.detail.shouldSwap = true;
        event.detail.isError = false;
      }
    });
    document.body.addEventListener("htmx:afterSettle", function (event) {
      embedAll(event.detail.elt || document);
    });
  });
})();
