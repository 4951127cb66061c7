// The reports page reloads itself while a report of its list is being generated, so
// that its status, hashes and download link appear when it is done.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  if (document.querySelector("tr[data-running]")) {
    window.setTimeout(() => window.location.reload(), 3000);
  }
});
