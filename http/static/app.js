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
