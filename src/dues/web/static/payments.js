// The record-payment form: the running "unallocated" figure, and "Suggest oldest first" filled in here
// instead of posting the form (without scripts the button posts and the server fills the same figures in).
// Money is counted in whole paise (BigInt), never in floating point; the suggestion follows
// dues/web/payments/allocation.py step for step, with its rounding (half up).
"use strict";

function paymentsPaise(text) {
  const cleaned = String(text).replace(/[,\s₹]/g, "");
  if (cleaned === "") return 0n;
  const found = /^(\d+)(?:\.(\d{1,2}))?$/.exec(cleaned);
  if (!found) return null;
  return BigInt(found[1]) * 100n + BigInt((found[2] || "").padEnd(2, "0"));
}

function paymentsFixed(paise) {
  const digits = paise.toString().padStart(3, "0");
  return `${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

// ₹ with Indian grouping, as the pages' inr filter writes it: ₹1,18,000.00.
function paymentsInr(paise) {
  const negative = paise < 0n;
  const text = paymentsFixed(negative ? -paise : paise);
  const [whole, fraction] = text.split(".");
  let grouped = whole.slice(-3);
  for (let rest = whole.slice(0, -3); rest.length > 0; rest = rest.slice(0, -2)) {
    grouped = `${rest.slice(-2)},${grouped}`;
  }
  return `${negative ? "-" : ""}₹${grouped}.${fraction}`;
}

function paymentsAllocation(form) {
  const received = form.querySelector("[data-received]");
  const shown = form.querySelector("#unallocated");
  const rows = Array.from(form.querySelectorAll("tr[data-row]"));

  function update() {
    if (!shown) return;
    let left = paymentsPaise(received.value);
    for (const row of rows) {
      const cash = paymentsPaise(row.querySelector("[data-cash]").value);
      if (left === null || cash === null) {
        left = null;
        break;
      }
      left -= cash;
    }
    shown.textContent = left === null || received.value.trim() === "" ? "—" : paymentsInr(left);
  }

  function suggest() {
    let left = paymentsPaise(received.value);
    if (left === null || received.value.trim() === "") return false;
    for (const row of rows) {
      const fullTds = paymentsPaise(row.dataset.tds);
      const toPay = paymentsPaise(row.dataset.balance) - fullTds;
      let cash = 0n;
      let tds = 0n;
      if (left > 0n && toPay > 0n) {
        if (left >= toPay) {
          cash = toPay;
          tds = fullTds;
        } else {
          const share = (2n * fullTds * left + toPay) / (2n * toPay);
          const minimum = row.dataset.minimum === "" ? null : paymentsPaise(row.dataset.minimum);
          if (row.dataset.partial === "true" && (minimum === null || left + share >= minimum)) {
            cash = left;
            tds = share;
          }
        }
        left -= cash;
      }
      row.querySelector("[data-cash]").value = cash > 0n ? paymentsFixed(cash) : "";
      row.querySelector("[data-tds-input]").value = tds > 0n ? paymentsFixed(tds) : "";
    }
    update();
    return true;
  }

  // A second click on "Record payment" while the first is on its way would record the money twice (a
  // cheque's number is not unique the way a UTR is).
  form.addEventListener("submit", (event) => {
    if (event.submitter && event.submitter.dataset.suggest !== undefined) return;
    if (form.dataset.sent === "true") event.preventDefault();
    form.dataset.sent = "true";
  });
  // Back to this page from the browser's history: the form may be sent again.
  window.addEventListener("pageshow", () => {
    form.dataset.sent = "false";
  });
  received.addEventListener("input", update);
  rows.forEach((row) => row.querySelector("[data-cash]").addEventListener("input", update));
  const button = form.querySelector("[data-suggest]");
  if (button) {
    button.addEventListener("click", (event) => {
      // An amount that is not a number is left to the server, which says what is wrong with it.
      if (suggest()) event.preventDefault();
    });
  }
  update();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-allocation]").forEach(paymentsAllocation);
});
