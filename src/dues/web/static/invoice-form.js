// dues: the invoice form's lines and live GST figures, and the credit note form's preview.
// The arithmetic mirrors dues.kit.gst.line_tax exactly: integers in paise (BigInt, so no float ever rounds),
// each line's taxable value and each of its taxes rounded half up to the paisa, totals the sums of the
// rounded line figures. The server computes again when the form is saved, and its figures are the truth.
// Without this script the form still works: "Add line" re-renders the page with one more row.
"use strict";

// A typed number ("1,180.5") as an integer count of 10^-places; null when it is not a number or has more
// decimal places than the field takes.
function scaled(text, places) {
  const cleaned = String(text).replace(/[,\s\u20b9]/g, "");
  const match = /^(\d*)(?:\.(\d*))?$/.exec(cleaned);
  if (!match || (match[1] === "" && !match[2])) return null;
  const fraction = (match[2] || "").replace(/0+$/, "");
  if (fraction.length > places) return null;
  return BigInt((match[1] || "0") + fraction.padEnd(places, "0"));
}

// n / d rounded half up, for n >= 0 and d > 0 (Python's ROUND_HALF_UP on a non-negative quotient).
function halfUp(n, d) {
  return (2n * n + d) / (2n * d);
}

// One line: quantity in thousandths, rate in paise, GST rate in hundredths of a per cent.
function lineTax(quantity, price, rate, intraState, inclusive) {
  // Exclusive: base = qty × price. Inclusive: the taxable value inside it, qty × price × 100 / (100 + rate).
  const base = inclusive ? halfUp(quantity * price * 10n, 10000n + rate) : halfUp(quantity * price, 1000n);
  if (intraState) {
    const half = halfUp(base * rate, 20000n);
    return { base: base, cgst: half, sgst: half, igst: 0n };
  }
  return { base: base, cgst: 0n, sgst: 0n, igst: halfUp(base * rate, 10000n) };
}

// Paise as the pages show money: ₹ and Indian grouping (₹12,34,567.50), as the inr filter does.
function inr(paise) {
  const negative = paise < 0n;
  const amount = negative ? -paise : paise;
  const rupees = (amount / 100n).toString();
  const fraction = (amount % 100n).toString().padStart(2, "0");
  let head = rupees;
  if (rupees.length > 3) {
    let rest = rupees.slice(0, -3);
    const groups = [];
    while (rest.length > 2) {
      groups.unshift(rest.slice(-2));
      rest = rest.slice(0, -2);
    }
    if (rest) groups.unshift(rest);
    head = groups.join(",") + "," + rupees.slice(-3);
  }
  return (negative ? "-" : "") + "\u20b9" + head + "." + fraction;
}

function setText(root, selector, value) {
  const el = root.querySelector(selector);
  if (el && el.textContent !== value) el.textContent = value;
}

// The invoice form ------------------------------------------------------------------------------------

function invoiceForm(form) {
  const sellerState = form.getAttribute("data-seller-state");
  const lines = form.querySelector("[data-lines]");
  const place = form.querySelector("[data-place]");
  const customer = form.querySelector("[data-customer]");
  const inclusive = form.querySelector("[data-inclusive]");
  const cess = form.querySelector("[data-cess]");
  let placeTouched = false;

  function customerState() {
    const option = customer && customer.selectedOptions[0];
    return option ? option.getAttribute("data-state") || "" : "";
  }

  function intraState() {
    const where = (place && place.value) || customerState();
    return where !== "" && where === sellerState;
  }

  function field(row, name) {
    return row.querySelector('[data-field="' + name + '"]:not(label)');
  }

  function recompute() {
    const intra = intraState();
    const taxInside = Boolean(inclusive && inclusive.checked);
    const total = { base: 0n, cgst: 0n, sgst: 0n, igst: 0n };
    lines.querySelectorAll("[data-line]").forEach((row) => {
      const quantity = scaled(field(row, "quantity").value, 3);
      const price = scaled(field(row, "unitPrice").value, 2);
      const rateText = field(row, "gstRate").value.trim();
      const rate = rateText === "" ? 0n : scaled(rateText, 2);
      if (quantity === null || price === null || rate === null || quantity === 0n || rate > 4000n) {
        setText(row, "[data-line-base]", "\u2014");
        setText(row, "[data-line-tax]", "\u2014");
        return;
      }
      const tax = lineTax(quantity, price, rate, intra, taxInside);
      setText(row, "[data-line-base]", inr(tax.base));
      setText(row, "[data-line-tax]", inr(tax.cgst + tax.sgst + tax.igst));
      total.base += tax.base;
      total.cgst += tax.cgst;
      total.sgst += tax.sgst;
      total.igst += tax.igst;
    });
    const cessPaise = (cess && scaled(cess.value, 2)) || 0n;
    setText(form, "#total-taxable", inr(total.base));
    setText(form, "#total-cgst", inr(total.cgst));
    setText(form, "#total-sgst", inr(total.sgst));
    setText(form, "#total-igst", inr(total.igst));
    setText(form, "#total-cess", inr(cessPaise));
    setText(form, "#grand-total", inr(total.base + total.cgst + total.sgst + total.igst + cessPaise));
  }

  // Rows are numbered from 1 in their labels and from 0 in their field names, as the API's lineItems[i].
  function renumber() {
    const rows = lines.querySelectorAll("[data-line]");
    rows.forEach((row, i) => {
      const n = i + 1;
      setText(row, "[data-line-legend]", "Line " + n);
      row.querySelectorAll("[data-line-n]").forEach((span) => {
        span.textContent = ", line " + n;
      });
      row.querySelectorAll("input[data-field], select[data-field]").forEach((el) => {
        const name = el.getAttribute("data-field");
        el.name = "lineItems[" + i + "]." + name;
        el.id = "l" + i + "-" + name;
      });
      row.querySelectorAll("label[data-field]").forEach((label) => {
        label.htmlFor = "l" + i + "-" + label.getAttribute("data-field");
      });
      const remove = row.querySelector("[data-remove-line]");
      remove.textContent = "Remove line " + n;
      remove.hidden = rows.length < 2;
    });
  }

  function addLine() {
    const rows = lines.querySelectorAll("[data-line]");
    const row = rows[rows.length - 1].cloneNode(true);
    row.querySelectorAll("input[data-field]").forEach((el) => {
      el.value = el.getAttribute("data-field") === "gstRate" ? field(rows[rows.length - 1], "gstRate").value : "";
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
    });
    row.querySelectorAll("select[data-field]").forEach((el) => {
      el.value = "NOS";
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
    });
    row.querySelectorAll(".field-error").forEach((el) => el.remove());
    lines.appendChild(row);
    renumber();
    recompute();
    field(row, "description").focus();
  }

  const add = form.querySelector("[data-add-line]");
  if (add) {
    // A button of the page now: Enter in a field saves the form, not adds a line.
    add.type = "button";
    add.removeAttribute("name");
    add.addEventListener("click", addLine);
  }
  lines.addEventListener("click", (event) => {
    const remove = event.target.closest("[data-remove-line]");
    if (!remove) return;
    const rows = lines.querySelectorAll("[data-line]");
    if (rows.length < 2) return;
    const row = remove.closest("[data-line]");
    const next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    renumber();
    recompute();
    if (next) field(next, "description").focus();
  });
  if (place) place.addEventListener("change", () => { placeTouched = true; });
  if (customer && place) {
    customer.addEventListener("change", () => {
      if (!placeTouched) place.value = customerState();
    });
  }
  // The debit note's fields matter only for a debit note: shown with it, out of the way otherwise.
  const kind = form.querySelector("[data-document-type]");
  const debitNote = form.querySelector("[data-debit-note]");
  function showDebitNote() {
    if (kind && debitNote) debitNote.hidden = kind.value !== "DEBIT_NOTE";
  }
  if (kind) kind.addEventListener("change", showDebitNote);
  showDebitNote();
  form.addEventListener("input", recompute);
  form.addEventListener("change", recompute);
  renumber();
  recompute();
}

// The credit note form: each invoice's part taxed as that invoice was (data-intra), at the rate typed.

function creditNoteForm(form) {
  function recompute() {
    let taxable = 0n;
    let taxes = 0n;
    form.querySelectorAll("[data-part]").forEach((row) => {
      const amount = scaled(row.querySelector("[data-part-amount]").value, 2);
      const rateInput = row.querySelector("[data-part-rate]");
      const rate = rateInput ? scaled(rateInput.value || "0", 2) : 0n;
      if (amount === null || rate === null) {
        setText(row, "[data-part-tax]", "\u2014");
        setText(row, "[data-part-total]", "\u2014");
        return;
      }
      const tax = lineTax(1000n, amount, rate, row.getAttribute("data-intra") === "1", false);
      const gst = tax.cgst + tax.sgst + tax.igst;
      setText(row, "[data-part-tax]", inr(gst));
      setText(row, "[data-part-total]", inr(tax.base + gst));
      taxable += tax.base;
      taxes += gst;
    });
    setText(form, "#note-taxable", inr(taxable));
    setText(form, "#note-tax", inr(taxes));
    setText(form, "#note-total", inr(taxable + taxes));
  }
  form.addEventListener("input", recompute);
  recompute();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-invoice-form]").forEach(invoiceForm);
  document.querySelectorAll("[data-credit-note-form]").forEach(creditNoteForm);
});
