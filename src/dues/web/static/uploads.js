// dues uploads: a drop zone for the file input, and the progress bar of an upload being processed.
// Both only enhance: without scripts the file input and its submit button work, and the page has a Refresh link.
"use strict";

// Dropping a file on the zone puts it in the zone's file input, as choosing it would.
function dropZones() {
  document.querySelectorAll("[data-dropzone]").forEach((zone) => {
    const input = zone.querySelector("input[type=file]");
    const name = zone.querySelector("[data-dropzone-name]");
    if (!input) return;
    const show = () => {
      if (name) name.textContent = input.files && input.files.length ? "Chosen: " + input.files[0].name : "";
    };
    input.addEventListener("change", show);
    ["dragenter", "dragover"].forEach((type) =>
      zone.addEventListener(type, (event) => {
        event.preventDefault();
        zone.classList.add("over");
      })
    );
    ["dragleave", "dragend"].forEach((type) => zone.addEventListener(type, () => zone.classList.remove("over")));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      zone.classList.remove("over");
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        show();
      }
    });
  });
}

// While an upload is processed its bar follows the job (the page's own JSON route, polled); once the upload
// is finished the page is loaded again to show the rows' results.
function progressBars() {
  document.querySelectorAll("progress[data-progress-url]").forEach((bar) => {
    const url = bar.getAttribute("data-progress-url");
    const counts = document.querySelectorAll("[data-count]");
    let delay = 1000;
    const poll = async () => {
      try {
        const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (!response.ok) return;
        const state = await response.json();
        bar.max = Math.max(state.totalRows, 1);
        bar.value = state.rowsDone;
        bar.textContent = state.rowsDone + "/" + state.totalRows;
        counts.forEach((el) => {
          const value = state[el.getAttribute("data-count")];
          if (value !== undefined) el.textContent = String(value);
        });
        if (state.done) {
          window.location.reload();
          return;
        }
      } catch (error) {
        // A network hiccup: try again a little later.
      }
      delay = Math.min(delay * 1.5, 5000);
      window.setTimeout(poll, delay);
    };
    window.setTimeout(poll, delay);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  dropZones();
  progressBars();
});
