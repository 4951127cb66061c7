// medsec's only script: small enhancements; every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // The language menu submits itself.
  for (const el of document.querySelectorAll("select.autosubmit")) {
    el.addEventListener("change", () => el.form.submit());
  }
  // Forms that destroy something ask first.
  for (const form of document.querySelectorAll("form.confirm")) {
    form.addEventListener("submit", (e) => {
      if (!window.confirm(form.dataset.confirm)) e.preventDefault();
    });
  }
  // Upload forms (inventory import, captures) send with a progress bar, then show the
  // server's answer page.
  for (const [formID, barID, statusID] of [["import-form", "import-progress", "import-status"], ["upload-form", "upload-progress", "upload-status"]]) {
    const form = document.getElementById(formID);
    if (!form) continue;
    const bar = document.getElementById(barID);
    const status = document.getElementById(statusID);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      bar.hidden = false; status.hidden = false;
      status.textContent = status.dataset.uploading;
      xhr.upload.addEventListener("progress", (ev) => {
        if (ev.lengthComputable) bar.value = Math.round(100 * ev.loaded / ev.total);
      });
      xhr.upload.addEventListener("load", () => {
        bar.removeAttribute("value"); // indeterminate while the server checks the rows
        status.textContent = status.dataset.processing;
      });
      xhr.addEventListener("load", () => {
        document.open(); document.write(xhr.responseText); document.close();
        history.replaceState(null, "", xhr.responseURL || form.action);
      });
      xhr.send(new FormData(form));
    });
  }
});

// Running incident clocks count down on the server's clock (the table's data-now against
// the browser's clock at load) and turn late when their due time passes, without a reload
// (t14 finding 17). The server-rendered text is the same wording, correct at load time.
(() => {
  const put = (fmt, ...vs) => vs.reduce((f, v) => f.replace(/%[sd]/, v), fmt);
  // The server's wording (i18n Span) in the page's language, its units from the table's
  // data-span-* attributes: seconds under a minute, else rounded minutes, with hours from
  // an hour ("1 h 5 min", "1 小時 5 分", "1時間5分").
  const fmtSpan = (ms, units) => {
    const a = Math.abs(ms);
    if (a < 60000) return put(units.spanS, Math.floor(a / 1000));
    const m = Math.round(a / 60000);
    if (m < 60) return put(units.spanM, m);
    return m % 60 === 0 ? put(units.spanH, m / 60) : put(units.spanHm, Math.floor(m / 60), m % 60);
  };
  const tables = document.querySelectorAll("table.clock-table[data-now]");
  if (!tables.length) return;
  const skew = Number(tables[0].dataset.now) - Date.now();
  const tick = () => {
    const now = Date.now() + skew;
    for (const table of tables) {
      const {left, overdue} = table.dataset;
      for (const span of table.querySelectorAll(".clock-left[data-due]")) {
        const d = Number(span.dataset.due) - now;
        span.textContent = put(d > 0 ? left : overdue, fmtSpan(d, table.dataset));
        const row = span.closest("tr");
        if (d > 0 || span.dataset.turned) continue;
        span.dataset.turned = "1";
        if (table.id === "clocks") {
          // The incident page: the clock's row and state turn late, the header counts it.
          row.classList.add("overdue"); row.dataset.state = "late";
          const tag = row.querySelector(".tag");
          if (tag) { tag.classList.add("overdue"); tag.textContent = table.dataset.lateWord; }
          const count = document.getElementById("late-count");
          if (count) {
            count.dataset.late = Number(count.dataset.late) + 1;
            count.textContent = put(count.dataset.format, count.dataset.late);
            count.hidden = false;
          }
        }
      }
      if (table.id === "incidents") {
        // The list: each row's running and late counts follow its clocks' due times.
        for (const row of table.querySelectorAll("tr[data-dues]")) {
          const gone = row.dataset.dues.split(" ").filter((s) => s && Number(s) <= now).length;
          if (!gone) continue;
          row.querySelector(".running-count").textContent = Number(row.dataset.running) - gone;
          const tag = row.querySelector(".late-count .tag");
          tag.textContent = Number(row.dataset.late) + gone;
          tag.hidden = false;
          row.classList.add("overdue");
        }
      }
    }
  };
  document.addEventListener("DOMContentLoaded", () => { tick(); setInterval(tick, 1000); });
})();
