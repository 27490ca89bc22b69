// dues: the little the pages need beyond forms. Each part looks for its markers and does nothing without them,
// so every page works with scripts off too. Areas add their parts below, each in its own function.
"use strict";

// A button with data-confirm asks before its form is sent (reverse a payment, write off, revoke a link).
function confirmButtons() {
  document.querySelectorAll("[data-confirm]").forEach((el) => {
    el.addEventListener("click", (event) => {
      if (!window.confirm(el.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  confirmButtons();
});
