// The query page with JavaScript: examples load into the editor, queries run without a reload
// (the address bar keeps a shareable URL), the answer's table sorts and pages, a chart view draws
// a label column against a number column, and the queries run here are kept in localStorage.
// The page works without this script: both forms are plain GET forms, and the server renders the
// same results section this script swaps in. The editor is static/editor.js (CodeMirror) when it
// is built, else the plain textarea; both answer to the same small interface below.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  const exampleForm = document.getElementById("example-form");
  const queryForm = document.getElementById("query-form");
  const textarea = document.getElementById("query");
  const description = document.getElementById("example-description");
  const data = document.getElementById("examples-data");
  if (!exampleForm || !queryForm || !textarea || !data) {
    return;
  }
  const examples = JSON.parse(data.textContent || "[]");
  const PAGE_SIZE = 50;
  const HISTORY_KEY = "ivig-graph.query-history";
  const HISTORY_SIZE = 25;
  const SVG = "http://www.w3.org/2000/svg";

  // The textarea as an editor; static/editor.js replaces it with CodeMirror.
  let editor = {
    getValue: () => textarea.value,
    setValue(text) {
      textarea.value = text;
      textarea.scrollTop = 0;
      textarea.setSelectionRange(0, 0);
    },
    focus: () => textarea.focus(),
    markError(line, column) {
      const lines = textarea.value.split("\n");
      let at = 0;
      for (let i = 0; i < Math.min(line - 1, lines.length); i += 1) {
        at += lines[i].length + 1;
      }
      at += Math.max(0, column - 1);
      textarea.setSelectionRange(at, at + 1);
    },
    clearError() {},
  };
  if (window.ivigEditor) {
    editor = window.ivigEditor;
  }
  document.addEventListener("ivig:editor", function (event) {
    editor = event.detail;
    markErrorIn(document.getElementById("results"));
  });

  function loadExample(name) {
    const example = examples.find(function (e) { return e.name === name; });
    if (!example) {
      return false;
    }
    editor.setValue(example.text);
    description.textContent = example.description || "";
    history.replaceState(null, "", exampleForm.action + "?" + new URLSearchParams({ example: name }));
    return true;
  }

  exampleForm.addEventListener("submit", function (event) {
    if (loadExample(exampleForm.elements.namedItem("example").value)) {
      event.preventDefault();
      editor.focus();
    } // else let the form load it from the server
  });
  exampleForm.elements.namedItem("example").addEventListener("change", function (event) {
    loadExample(event.target.value); // one step: choosing an example loads it
  });

  // --- the syntax error's place, marked in the editor -------------------------------------------
  function errorPlace(results) {
    const marked = results && results.querySelector("[data-error-line]");
    if (marked) {
      return {
        line: Number(marked.dataset.errorLine),
        column: Number(marked.dataset.errorColumn || "1"),
        message: marked.textContent.trim(),
      };
    }
    const alert = results && results.querySelector("[role=alert]");
    const match = alert && /error at (\d+):(\d+)/.exec(alert.textContent);
    return match ? { line: Number(match[1]), column: Number(match[2]), message: alert.textContent.trim() } : null;
  }

  function markErrorIn(results) {
    const place = errorPlace(results);
    if (place && place.line > 0) {
      editor.markError(place.line, place.column, place.message);
    } else {
      editor.clearError();
    }
  }

  // --- history ----------------------------------------------------------------------------------
  const historyBox = document.getElementById("history");

  function readHistory() {
    try {
      const saved = JSON.parse(window.localStorage.getItem(HISTORY_KEY) || "[]");
      return Array.isArray(saved) ? saved.filter((e) => e && typeof e.query === "string") : [];
    } catch (error) {
      return [];
    }
  }

  function remember(query) {
    const entries = readHistory().filter((e) => e.query !== query);
    entries.unshift({ query: query, at: new Date().toISOString() });
    try {
      window.localStorage.setItem(HISTORY_KEY, JSON.stringify(entries.slice(0, HISTORY_SIZE)));
    } catch (error) {
      // storage full or forbidden: the page works without history
    }
    showHistory();
  }

  function summary(query) {
    const title = /^#\s*title:\s*(.+)$/im.exec(query);
    if (title) {
      return title[1].trim();
    }
    const line = query.split("\n").map((l) => l.trim()).find((l) => l && !/^(PREFIX|BASE|#)/i.test(l));
    return line || query.trim().slice(0, 80);
  }

  function showHistory() {
    if (!historyBox) {
      return;
    }
    const entries = readHistory();
    historyBox.hidden = entries.length === 0;
    const list = historyBox.querySelector(".history-list");
    list.replaceChildren(...entries.map(function (entry) {
      const item = document.createElement("li");
      const load = document.createElement("button");
      load.type = "button";
      load.className = "link";
      load.textContent = summary(entry.query);
      load.addEventListener("click", function () {
        editor.setValue(entry.query);
        editor.focus();
      });
      const when = document.createElement("time");
      when.dateTime = entry.at;
      when.textContent = new Date(entry.at).toLocaleString();
      item.append(load, " ", when);
      return item;
    }));
  }

  if (historyBox) {
    historyBox.querySelector("[data-action=clear-history]").addEventListener("click", function () {
      window.localStorage.removeItem(HISTORY_KEY);
      showHistory();
    });
    showHistory();
  }

  // --- the answer's table: sort by a column, page through the rows ------------------------------
  function cellKey(cell) {
    if (!cell) {
      return { number: null, text: "" };
    }
    const number = cell.dataset.number !== undefined ? Number(cell.dataset.number) : null;
    return { number: Number.isFinite(number) ? number : null, text: cell.textContent.trim() };
  }

  function columnIsNumeric(rows, index) {
    let seen = 0;
    for (const row of rows) {
      const cell = row.cells[index];
      if (cell && cell.textContent.trim() !== "–") {
        if (cellKey(cell).number === null) {
          return false;
        }
        seen += 1;
      }
    }
    return seen > 0;
  }

  function enhanceTable(results) {
    const table = results.querySelector("table.results");
    if (!table || !table.tBodies[0]) {
      return;
    }
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    const state = { page: 0, column: -1, ascending: true, rows: rows };
    const pager = document.createElement("nav");
    pager.className = "pager";
    pager.setAttribute("aria-label", "Result pages");
    const previous = button("Previous rows", "Previous");
    const next = button("Next rows", "Next");
    const where = document.createElement("span");
    where.className = "pager-status";
    where.setAttribute("aria-live", "polite");
    pager.append(previous, where, next);
    previous.addEventListener("click", function () { state.page -= 1; draw(); });
    next.addEventListener("click", function () { state.page += 1; draw(); });
    if (rows.length > PAGE_SIZE) {
      table.parentNode.after(pager);
    }

    Array.from(table.tHead.rows[0].cells).forEach(function (th, index) {
      const sort = document.createElement("button");
      sort.type = "button";
      sort.className = "sort";
      sort.textContent = th.textContent;
      th.replaceChildren(sort);
      sort.addEventListener("click", function () {
        state.ascending = state.column === index ? !state.ascending : true;
        state.column = index;
        const numeric = columnIsNumeric(rows, index);
        const direction = state.ascending ? 1 : -1;
        state.rows = rows.slice().sort(function (a, b) {
          const x = cellKey(a.cells[index]);
          const y = cellKey(b.cells[index]);
          if (numeric) {
            return direction * ((x.number ?? -Infinity) - (y.number ?? -Infinity));
          }
          return direction * x.text.localeCompare(y.text, undefined, { numeric: true });
        });
        Array.from(table.tHead.rows[0].cells).forEach(function (other, i) {
          if (i === index) {
            other.setAttribute("aria-sort", state.ascending ? "ascending" : "descending");
          } else {
            other.removeAttribute("aria-sort");
          }
        });
        state.page = 0;
        draw();
        results.dispatchEvent(new CustomEvent("ivig:sorted", { detail: state.rows }));
      });
    });

    function draw() {
      const pages = Math.max(1, Math.ceil(state.rows.length / PAGE_SIZE));
      state.page = Math.min(Math.max(0, state.page), pages - 1);
      const first = state.page * PAGE_SIZE;
      const shown = state.rows.slice(first, first + PAGE_SIZE);
      body.replaceChildren(...shown);
      where.textContent = "Rows " + (first + 1) + "–" + (first + shown.length) + " of " + state.rows.length;
      previous.disabled = state.page === 0;
      next.disabled = state.page === pages - 1;
    }
    draw();
    return state;
  }

  function button(label, text) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "secondary";
    b.textContent = text;
    if (label !== text) {
      b.setAttribute("aria-label", label);
    }
    return b;
  }

  // --- the chart view: one bar per row, a label column against a number column -------------------
  function chartColumns(table) {
    const rows = Array.from(table.tBodies[0].rows);
    const count = table.tHead.rows[0].cells.length;
    let label = -1;
    let number = -1;
    for (let i = 0; i < count; i += 1) {
      if (columnIsNumeric(rows, i)) {
        number = number === -1 ? i : number;
      } else if (label === -1) {
        label = i;
      }
    }
    return label !== -1 && number !== -1 ? { label: label, number: number } : null;
  }

  function niceStep(max, ticks) {
    const raw = max / ticks;
    const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
    return Math.max(step, Number.isInteger(max) ? 1 : step);
  }

  function svg(name, attributes, text) {
    const element = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) {
      element.setAttribute(key, String(value));
    }
    if (text !== undefined) {
      element.textContent = text;
    }
    return element;
  }

  function drawChart(rows, columns, heading) {
    const bars = rows.map(function (row) {
      const cell = row.cells[columns.label];
      const link = cell && cell.querySelector("a[href]");
      return {
        label: (link || cell || { textContent: "" }).textContent.trim() || "(unbound)",
        href: link ? link.getAttribute("href") : null,
        value: cellKey(row.cells[columns.number]).number || 0,
      };
    });
    const max = Math.max(0, ...bars.map((b) => b.value));
    const min = Math.min(0, ...bars.map((b) => b.value));
    const step = niceStep(Math.max(max - min, 1), 5);
    const top = Math.ceil(max / step) * step;
    const bottom = Math.floor(min / step) * step;
    const labelWidth = 260;
    const plot = 560;
    const row = 28;
    const axis = 36;
    const width = labelWidth + plot + 60;
    const height = bars.length * row + axis + 8;
    const x = (v) => labelWidth + ((v - bottom) / (top - bottom || 1)) * plot;
    const chart = svg("svg", {
      class: "result-chart",
      viewBox: "0 0 " + width + " " + height,
      width: "100%",
      role: "group",
      "aria-labelledby": "chart-title",
    });
    chart.append(svg("title", { id: "chart-title" }, heading));
    const grid = svg("g", { class: "axis", "aria-hidden": "true" });
    for (let v = bottom; v <= top + step / 1e6; v += step) {
      const at = x(v);
      grid.append(svg("line", { x1: at, x2: at, y1: 0, y2: bars.length * row, class: "grid" }));
      grid.append(svg("text", { x: at, y: bars.length * row + 18, "text-anchor": "middle", class: "tick" },
        String(Math.round(v * 1000) / 1000)));
    }
    grid.append(svg("line", { x1: x(0), x2: x(0), y1: 0, y2: bars.length * row, class: "baseline" }));
    grid.append(svg("text", { x: labelWidth + plot / 2, y: bars.length * row + 34, "text-anchor": "middle", class: "axis-title" },
      heading.split(" by ")[0]));
    chart.append(grid);
    bars.forEach(function (bar, i) {
      const y = i * row;
      const group = bar.href ? svg("a", { href: bar.href }) : svg("g", {});
      const from = x(Math.min(0, bar.value));
      const to = x(Math.max(0, bar.value));
      group.append(svg("text", { x: labelWidth - 8, y: y + row / 2 + 5, "text-anchor": "end", class: "bar-label" },
        bar.label.length > 34 ? bar.label.slice(0, 33) + "…" : bar.label));
      group.append(svg("rect", { x: from, y: y + 4, width: Math.max(to - from, 1), height: row - 8, class: "bar", "data-value": bar.value }));
      group.append(svg("text", { x: to + 6, y: y + row / 2 + 5, class: "bar-value" }, String(bar.value)));
      chart.append(group);
    });
    return chart;
  }

  function enhanceChart(results, tableState) {
    const table = results.querySelector("table.results");
    const columns = table && table.tBodies[0] && chartColumns(table);
    if (!columns) {
      return;
    }
    const names = Array.from(table.tHead.rows[0].cells).map((c) => c.textContent.trim());
    const heading = names[columns.number] + " by " + names[columns.label];
    const views = document.createElement("div");
    views.className = "views";
    views.setAttribute("role", "group");
    views.setAttribute("aria-label", "Show the answer as");
    const asTable = button("Table", "Table");
    const asChart = button("Chart", "Chart");
    asTable.setAttribute("aria-pressed", "true");
    asChart.setAttribute("aria-pressed", "false");
    views.append(asTable, asChart);
    const figure = document.createElement("figure");
    figure.className = "chart-view";
    figure.hidden = true;
    const caption = document.createElement("figcaption");
    figure.append(caption);
    const wrap = table.closest(".table-wrap") || table;
    wrap.before(views);
    wrap.after(figure);
    const pager = results.querySelector(".pager");
    let rows = tableState ? tableState.rows : Array.from(table.tBodies[0].rows);
    function render() {
      caption.textContent = heading + ": " + rows.length + " bar" + (rows.length === 1 ? "" : "s") + ", on one scale.";
      figure.replaceChildren(caption, drawChart(rows, columns, heading));
    }
    results.addEventListener("ivig:sorted", function (event) {
      rows = event.detail;
      if (!figure.hidden) {
        render();
      }
    });
    function show(chart) {
      asTable.setAttribute("aria-pressed", String(!chart));
      asChart.setAttribute("aria-pressed", String(chart));
      wrap.hidden = chart;
      if (pager) {
        pager.hidden = chart;
      }
      figure.hidden = !chart;
      if (chart) {
        render();
      }
    }
    asTable.addEventListener("click", function () { show(false); });
    asChart.addEventListener("click", function () { show(true); });
  }

  function enhance(results) {
    if (!results) {
      return;
    }
    enhanceChart(results, enhanceTable(results));
    markErrorIn(results);
  }

  // --- running the query without a reload -------------------------------------------------------
  function showError(results, message) {
    const box = document.createElement("div");
    box.className = "error";
    box.setAttribute("role", "alert");
    const text = document.createElement("p");
    text.textContent = message;
    box.appendChild(text);
    results.replaceChildren(box);
  }

  async function run(url) {
    const results = document.getElementById("results");
    results.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(url, { headers: { Accept: "text/html" } });
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById("results");
      if (!fresh) {
        throw new Error("The server answered " + response.status + " " + response.statusText + ".");
      }
      results.replaceWith(fresh);
      enhance(fresh);
      const heading = fresh.querySelector("h2");
      if (heading) {
        heading.focus();
      }
      return true;
    } catch (error) {
      showError(results, "The query could not be sent: " + error.message);
      return false;
    } finally {
      results.removeAttribute("aria-busy");
    }
  }

  queryForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    textarea.value = editor.getValue();
    const params = new URLSearchParams(new FormData(queryForm));
    const url = queryForm.action + "?" + params.toString();
    remember(textarea.value);
    if (await run(url)) {
      history.pushState({ url: url }, "", url);
    }
  });

  textarea.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      event.preventDefault();
      queryForm.requestSubmit();
    }
  });

  window.addEventListener("popstate", function () {
    window.location.reload();
  });

  enhance(document.getElementById("results"));
})();
