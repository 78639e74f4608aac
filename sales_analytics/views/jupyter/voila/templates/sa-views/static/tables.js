/* Interactive tables of the manager views: sort by a column, search, pages. No library, no data.
 *
 * The page's Content-Security-Policy runs only scripts served by this server and the template's
 * own (sales_analytics/voila_server.py), so this file is the whole feature. It enhances every
 * table the views mark (sales_analytics/views/components.py `table`):
 *
 *   <div class="sa-itable" data-sa-language="zh" data-sa-search="…" data-sa-rows="…" …>
 *     <div class="sa-box"><div class="sa-table-wrap" data-sortable><table>… <td class="num"
 *       data-sort="1234567.5">1,234,568</td> …
 *
 * including those that appear later (a widget's output, a choice redrawn): a MutationObserver.
 * A numeric column sorts by each cell's raw value (data-sort), never by its formatted text; other
 * columns by their text in the page's collation; a missing value ("" or —) sorts last either way.
 * Every text shown comes from the data-sa-* attributes (the label files, in the page's
 * language) and is set as text (textContent, placeholder, title), never as HTML.
 */
(function () {
  "use strict";

  const PAGE_SIZES = [10, 25, 50, 100];
  const PAGE_SIZE = 25;
  const MISSING = "—";

  // "{from}–{to}" with the values given (a label's placeholders)
  const fill = (text, values) =>
    String(text || "").replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));

  const number = (text) => {
    if (text === "" || text === MISSING) return null;
    const n = Number(text);
    return Number.isFinite(n) ? n : null;
  };

  function element(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function enhance(box) {
    box.dataset.saReady = "1";
    const table = box.querySelector("[data-sortable] table");
    if (!table || !table.tHead || !table.tBodies.length) return;
    const labels = box.dataset;
    const locale = labels.saLanguage === "zh" ? "zh-CN" : "en";
    const collator = new Intl.Collator(locale, { numeric: true, sensitivity: "base" });
    const body = table.tBodies[0];
    const rows = Array.from(body.rows).map((tr, index) => ({
      tr,
      index,
      text: tr.textContent.toLocaleLowerCase(),
    }));
    const heads = Array.from(table.tHead.rows[0].cells);
    const state = { column: -1, ascending: true, query: "", page: 0, size: PAGE_SIZE, order: rows };

    // sort: a button in each header (keyboard and screen readers reach it); aria-sort says the order
    const keyOf = (row, column) => {
      const cell = row.tr.cells[column];
      if (!cell) return "";
      return cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
    };
    function sortBy(column) {
      state.ascending = state.column === column ? !state.ascending : true;
      state.column = column;
      const numeric = heads[column].classList.contains("num");
      const keyed = rows.map((row) => {
        const text = keyOf(row, column);
        const value = numeric ? number(text) : null;
        const missing = text === "" || text === MISSING;
        return { row, text, value, missing };
      });
      const sign = state.ascending ? 1 : -1;
      keyed.sort((a, b) => {
        if (a.missing !== b.missing) return a.missing ? 1 : -1; // missing last, either way
        let c = 0;
        if (a.value !== null && b.value !== null) c = a.value - b.value;
        else if (a.value !== null || b.value !== null) c = a.value !== null ? -1 : 1; // numbers first
        else c = collator.compare(a.text, b.text);
        return c !== 0 ? sign * c : a.row.index - b.row.index; // stable
      });
      state.order = keyed.map((k) => k.row);
      heads.forEach((th, i) => {
        if (i === column) th.setAttribute("aria-sort", state.ascending ? "ascending" : "descending");
        else th.removeAttribute("aria-sort");
      });
      state.page = 0;
      render();
    }
    heads.forEach((th, column) => {
      const button = element("button", "sa-sort");
      button.type = "button";
      if (labels.saSort) button.title = labels.saSort;
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", () => sortBy(column));
    });

    // search and pages: only where a table is long enough to need them
    const paged = rows.length > PAGE_SIZES[0];
    let info = null;
    let previous = null;
    let next = null;
    if (paged) {
      const bar = element("div", "sa-itable-bar");
      const search = element("input", "sa-search");
      search.type = "search";
      search.placeholder = labels.saSearch || "";
      search.setAttribute("aria-label", labels.saSearch || "");
      search.addEventListener("input", () => {
        state.query = search.value.trim().toLocaleLowerCase();
        state.page = 0;
        render();
      });
      const size = element("select", "sa-page-size");
      for (const n of PAGE_SIZES) {
        const option = element("option", "", fill(labels.saPageSize, { n }));
        option.value = String(n);
        option.selected = n === PAGE_SIZE;
        size.appendChild(option);
      }
      size.addEventListener("change", () => {
        state.size = Number(size.value) || PAGE_SIZE;
        state.page = 0;
        render();
      });
      bar.append(search, size);
      const pager = element("div", "sa-itable-pager");
      previous = element("button", "sa-previous", labels.saPrevious || "‹");
      next = element("button", "sa-next", labels.saNext || "›");
      previous.type = next.type = "button";
      info = element("span", "sa-info");
      info.setAttribute("aria-live", "polite");
      previous.addEventListener("click", () => {
        state.page -= 1;
        render();
      });
      next.addEventListener("click", () => {
        state.page += 1;
        render();
      });
      pager.append(previous, info, next);
      box.prepend(bar);
      box.append(pager);
    }

    function render() {
      const matching = state.query ? state.order.filter((r) => r.text.includes(state.query)) : state.order;
      if (!paged) {
        body.replaceChildren(...matching.map((r) => r.tr));
        return;
      }
      const pages = Math.max(1, Math.ceil(matching.length / state.size));
      state.page = Math.min(Math.max(state.page, 0), pages - 1);
      const start = state.page * state.size;
      const shown = matching.slice(start, start + state.size);
      body.replaceChildren(...shown.map((r) => r.tr));
      let text = matching.length
        ? fill(labels.saRows, { from: start + 1, to: start + shown.length, total: matching.length })
        : labels.saNone || "";
      if (matching.length !== rows.length) text += fill(labels.saFiltered, { all: rows.length });
      info.textContent = text;
      previous.disabled = state.page === 0;
      next.disabled = state.page >= pages - 1;
    }
    render();
  }

  function scan() {
    document.querySelectorAll(".sa-itable:not([data-sa-ready])").forEach(enhance);
  }
  scan();
  new MutationObserver(scan).observe(document.documentElement, { childList: true, subtree: true });
})();
