// The customer portal: shows the sum of the invoices ticked to pay. Without it the page still works; the
// checkout page shows the sum anyway.
"use strict";

function selectedTotal() {
  const out = document.getElementById("selected-total");
  const boxes = document.querySelectorAll("input.pay-box");
  if (!out || boxes.length === 0) return;
  const show = () => {
    let paise = 0;
    let count = 0;
    boxes.forEach((box) => {
      if (box.checked) {
        paise += Math.round(parseFloat(box.getAttribute("data-amount")) * 100);
        count += 1;
      }
    });
    const rupees = (paise / 100).toLocaleString("en-IN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    out.textContent = count ? `Selected: ${count} invoice${count === 1 ? "" : "s"}, ₹${rupees}.` : "";
  };
  boxes.forEach((box) => box.addEventListener("change", show));
  show();
}

document.addEventListener("DOMContentLoaded", selectedTotal);
