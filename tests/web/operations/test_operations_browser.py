"""Reminders and webhooks in a real browser at phone width: a reminder rule made from the form and switched
off; a webhook endpoint registered and its secret seen once. No console error, no serious axe-core violation,
nothing wider than the phone."""

from __future__ import annotations

from tests.support import Tenant
from tests.web.browser import needs_chromium

needs_chromium()

from playwright.async_api import Browser, expect  # noqa: E402

from tests.web.operations.phone import check, seller, signed_in  # noqa: E402

__all__ = ["seller"]


async def test_a_reminder_rule_is_made_from_the_form(browser: Browser, server: str, seller: Tenant) -> None:
    watched = await signed_in(browser, server, seller)
    page = watched.page
    await page.goto(f"{server}/app/reminders")
    await check(watched, "operations-reminders-empty")
    await page.locator("#new-reminder").click()
    await page.get_by_label("Name").fill("Before and after")
    await page.locator("#f-step0-offset").fill("-2")
    await page.locator("#f-step1-offset").fill("5")
    await page.locator("input[name='steps[1].channels'][value='SMS']").check()
    await check(watched, "operations-reminder-new")
    await page.get_by_role("button", name="Create").click()
    await page.wait_for_url(f"{server}/app/reminders")
    await expect(page.locator("#rules")).to_contain_text("2 days before")
    await expect(page.locator("#rules")).to_contain_text("5 days after (SMS)")
    await check(watched, "operations-reminders")
    await page.get_by_role("button", name="Switch off Before and after").click()
    await expect(page.locator("#flash")).to_contain_text("is off")
    await page.get_by_role("link", name="Before and after").click()
    await expect(page.locator("#reminder-state")).to_have_text("Off")
    await check(watched, "operations-reminder")


async def test_a_webhook_endpoint_is_registered_and_its_secret_seen_once(
    browser: Browser, server: str, seller: Tenant
) -> None:
    watched = await signed_in(browser, server, seller)
    page = watched.page
    await page.goto(f"{server}/app/webhooks")
    await check(watched, "operations-webhooks-empty")
    await page.get_by_label("URL").fill("https://8.8.8.8/hooks/dues")
    await page.get_by_label("invoice.paid").check()
    await page.get_by_role("button", name="Register").click()
    secret = await page.locator("#webhook-secret").input_value()
    assert secret.startswith("whsec_")
    await check(watched, "operations-webhook-created")

    await page.get_by_role("link", name="Back to webhooks").click()
    await expect(page.locator("#endpoints")).to_contain_text("https://8.8.8.8/hooks/dues")
    assert secret not in await page.content()
    await check(watched, "operations-webhooks")
    await page.get_by_role("link", name="https://8.8.8.8/hooks/dues").click()
    await expect(page.locator("#no-deliveries")).to_be_visible()
    assert secret not in await page.content()
    await check(watched, "operations-webhook")
