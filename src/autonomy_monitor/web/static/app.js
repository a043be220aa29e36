// Renders every <figure class="chart" data-spec="URL"> (or data-spec-json="{...}") with vega-embed
// (vendored, no CDN), once the web fonts are ready so that text is measured in the font it is drawn in.
// Expressions run in Vega's interpreter (ast: true), so the page needs no 'unsafe-eval'.
// Each chart has a table or text alternative in the page; without JavaScript only those show.
// Tables with class "sortable" sort by a column when its header button is pressed; an input with
// data-filter-table="ID" filters that table's rows by their data-search text.
(function () {
  "use strict";

  function specOf(figure) {
    if (figure.dataset.specJson) {
      return Promise.resolve(JSON.parse(figure.dataset.specJson));
    }
    return fetch(figure.dataset.spec, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) {
        throw new Error("chart spec " + figure.dataset.spec + ": HTTP " + response.status);
      }
      return response.json();
    });
  }

  function embedChart(figure) {
    if (figure.dataset.rendered) {
      return Promise.resolve();
    }
    figure.dataset.rendered = "pending";
    var target = figure.querySelector(".vis");
    return specOf(figure)
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

  function fontsReady() {
    // Load the faces the charts use (Japanese only where the page has Japanese text), then wait.
    if (!document.fonts || !document.fonts.load) {
      return Promise.resolve();
    }
    var loads = [document.fonts.load('400 12px "Noto Sans"'), document.fonts.load('700 12px "Noto Sans"')];
    if (document.documentElement.lang === "ja") {
      loads.push(document.fonts.load('400 12px "Noto Sans"', "日本語の国"));
    }
    return Promise.all(loads).then(function () { return document.fonts.ready; }).catch(function () {});
  }

  function embedAll(root) {
    var figures = (root || document).querySelectorAll("figure.chart[data-spec], figure.chart[data-spec-json]");
    return fontsReady().then(function () {
      return Promise.all(Array.prototype.map.call(figures, embedChart));
    });
  }

  function cellValue(row, column, numeric) {
    var cell = row.children[column];
    if (!cell) {
      return numeric ? -Infinity : "";
    }
    var text = cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent;
    if (!numeric) {
      return text.trim().toLowerCase();
    }
    var value = parseFloat(text);
    return isNaN(value) ? -Infinity : value;
  }

  function sortTable(button) {
    var table = button.closest("table");
    var body = table.tBodies[0];
    var column = parseInt(button.dataset.sortCol, 10);
    var numeric = button.dataset.sortType !== "text";
    var current = button.getAttribute("aria-sort");  // first press: largest (or A) first, then toggle
    var descending = current ? current === "ascending" : numeric;
    table.querySelectorAll("button.sort").forEach(function (other) { other.removeAttribute("aria-sort"); });
    button.setAttribute("aria-sort", descending ? "descending" : "ascending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, column, numeric), y = cellValue(b, column, numeric);
      return (x < y ? -1 : x > y ? 1 : 0) * (descending ? -1 : 1);
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  function filterTable(input) {
    var table = document.getElementById(input.dataset.filterTable);
    if (!table) {
      return;
    }
    var needle = input.value.trim().toLowerCase();
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      row.hidden = needle !== "" && (row.dataset.search || "").indexOf(needle) === -1;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    embedAll(document);
    document.body.addEventListener("click", function (event) {
      var button = event.target.closest("button.sort");
      if (button) {
        sortTable(button);
      }
    });
    document.body.addEventListener("input", function (event) {
      if (event.target.dataset && event.target.dataset.filterTable) {
        filterTable(event.target);
      }
    });
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
