from datetime import date
from decimal import Decimal

from dues.kit.gst import financial_year, financial_year_label, line_tax, sum_lines
from dues.kit.words import integer_in_words, rupees_in_words

D = Decimal


def test_three_lines_of_333_33_at_18_percent_intra_state_add_up_exactly() -> None:
    lines = [line_tax(D("1"), D("333.33"), D("18"), intra_state=True) for _ in range(3)]
    total = sum_lines(lines)
    assert lines[0].cgst == lines[0].sgst == D("30.00")  # 333.33 × 9 % = 29.9997 → 30.00
    assert total.base == D("999.99")
    assert (total.cgst, total.sgst, total.igst) == (D("90.00"), D("90.00"), D("0.00"))
    assert total.total == D("1179.99")


def test_inter_state_line_is_igst_only() -> None:
    tax = line_tax(D("2"), D("500.00"), D("18"), intra_state=False)
    assert (tax.base, tax.cgst, tax.sgst, tax.igst) == (D("1000.00"), D("0.00"), D("0.00"), D("180.00"))


def test_inclusive_line_takes_the_taxable_value_out() -> None:
    tax = line_tax(D("1"), D("1180.00"), D("18"), intra_state=True, inclusive=True)
    assert tax.base == D("1000.00") and tax.total == D("1180.00")


def test_financial_year_turns_on_the_first_of_april() -> None:
    assert financial_year(date(2026, 3, 31)) == 2025
    assert financial_year(date(2026, 4, 1)) == 2026
    assert financial_year_label(2026) == "2026-27"
    assert financial_year_label(2099) == "2099-00"


def test_amounts_in_words_use_lakh_and_crore() -> None:
    assert (
        integer_in_words(12_345_678)
        == "One Crore Twenty-Three Lakh Forty-Five Thousand Six Hundred Seventy-Eight"
    )
    assert integer_in_words(100_000) == "One Lakh"
    assert integer_in_words(1_000_000_000) == "One Hundred Crore"
    assert rupees_in_words(D("118000.50")) == "Rupees One Lakh Eighteen Thousand and Fifty Paise Only"
    assert (
        rupees_in_words(D("1179.99"))
        == "Rupees One Thousand One Hundred Seventy-Nine and Ninety-Nine Paise Only"
    )
