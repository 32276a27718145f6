// Merging and unmerging issues, and choosing an event, as support staff —
// with and without JavaScript (plain form posts, links). Events are sent
// as a Sentry SDK sends them: an envelope posted with the DSN's key.
const crypto = require('crypto');
const fs = require('fs');
const { test, expect, signIn } = require('./fixtures');
const { errorsDsnFile } = require('../e2e-env');

// Letters only: grouping replaces digits, so runs must differ in letters.
const letters = (n) => n.toString(36).replace(/[0-9]/g, (d) => 'abcdefghij'[d]);
const uniqueWord = (prefix) => `${prefix}${letters(Date.now())}${letters(Math.floor(Math.random() * 1e9))}`;

async function send(request, { fn, value, user, release }) {
  const dsn = new URL(fs.readFileSync(errorsDsnFile, 'utf8').trim());
  const project = dsn.pathname.replace(/\//g, '');
  const event = {
    event_id: crypto.randomUUID().replace(/-/g, ''),
    timestamp: Date.now() / 1000,
    platform: 'node',
    level: 'error',
    release,
    environment: 'production',
    user: { id: user },
    exception: { values: [{
      type: 'TypeError',
      value,
      stacktrace: { frames: [{ filename: '/srv/shop/cart.js', module: 'cart', function: fn, lineno: 3, in_app: true }] },
    }] },
  };
  const payload = JSON.stringify(event);
  const body = `{}\n${JSON.stringify({ type: 'event', length: Buffer.byteLength(payload) })}\n${payload}\n`;
  const response = await request.post(`/api/${project}/envelope/`, {
    headers: { 'X-Sentry-Auth': `Sentry sentry_key=${decodeURIComponent(dsn.username)}, sentry_version=7` },
    data: body,
  });
  expect(response.status()).toBe(200);
  return event.event_id;
}

async function issueId(page, word, title) {
  await page.goto(`/errors?q=${encodeURIComponent(word)}`);
  await page.getByRole('link', { name: title }).click();
  await expect(page).toHaveURL(/\/errors\/issues\/\d+$/);
  return Number(page.url().match(/issues\/(\d+)$/)[1]);
}

test('support merges an issue into another, then unmerges its hash back out', async ({ page, request }) => {
  const word = uniqueWord('merge');
  await send(request, { fn: `first_${word}`, value: `first ${word}`, user: 'ann', release: 'e2e-shop@2.0.0' });
  await send(request, { fn: `first_${word}`, value: `first ${word}`, user: 'bob', release: 'e2e-shop@2.0.0' });
  await send(request, { fn: `second_${word}`, value: `second ${word}`, user: 'cy', release: 'e2e-shop@2.0.0' });
  await signIn(page, 'support');
  const first = await issueId(page, word, `TypeError: first ${word}`);
  const second = await issueId(page, word, `TypeError: second ${word}`);

  // A typo is refused beside the field, and what was typed stays.
  await page.getByText('Merge into…').click();
  await page.getByLabel('Into issue number').fill('first');
  await page.getByRole('button', { name: 'Yes, merge' }).click();
  await expect(page.getByText("Give an issue's number, like 12")).toBeVisible();
  await expect(page.getByLabel('Into issue number')).toHaveValue('first');

  await page.getByLabel('Into issue number').fill(String(first));
  await page.getByRole('button', { name: 'Yes, merge' }).click();
  await expect(page).toHaveURL(new RegExp(`/errors/issues/${first}$`));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`TypeError: first ${word}`);
  const facts = page.locator('dl.facts').first();
  await expect(facts.locator('dt:has-text("Events") + dd')).toHaveText('3');
  await expect(facts.locator('dt:has-text("Users") + dd')).toHaveText('3');
  const grouped = page.locator('.grouped-by > li');
  await expect(grouped).toHaveCount(2);

  // The merged issue points on to the one it joined.
  await page.goto(`/errors/issues/${second}`);
  await expect(page.getByRole('link', { name: `issue ${first}` })).toBeVisible();
  await page.getByRole('link', { name: `issue ${first}` }).click();

  const secondHash = page.locator('.grouped-by > li', { hasText: `second_${word}` });
  await secondHash.locator('summary', { hasText: 'Unmerge' }).click();
  await secondHash.getByRole('button', { name: 'Yes, unmerge' }).click();
  await expect(page).toHaveURL(new RegExp(`/errors/issues/${second}$`));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`TypeError: second ${word}`);
  await expect(page.locator('dl.facts').first().locator('dt:has-text("Events") + dd')).toHaveText('1');

  await page.goto(`/errors/issues/${first}`);
  await expect(page.locator('.grouped-by > li')).toHaveCount(1);
  await expect(page.getByRole('button', { name: 'Yes, unmerge' })).toHaveCount(0);
  await expect(page.locator('dl.facts').first().locator('dt:has-text("Events") + dd')).toHaveText('2');
});

test('support chooses an event from the list and sees where the issue was seen', async ({ page, request }) => {
  const word = uniqueWord('choose');
  const ids = [];
  for (const [user, release] of [['ann', 'e2e-shop@1.0.0'], ['bob', 'e2e-shop@1.1.0'], ['cy', 'e2e-shop@1.2.0']]) {
    ids.push(await send(request, { fn: `pick_${word}`, value: `pick ${word}`, user, release }));
  }
  await signIn(page, 'support');
  await issueId(page, word, `TypeError: pick ${word}`);
  await expect(page.getByRole('heading', { name: 'Latest event' })).toBeVisible();
  const seenIn = page.getByRole('region', { name: 'Seen in' });
  for (const release of ['e2e-shop@1.0.0', 'e2e-shop@1.1.0', 'e2e-shop@1.2.0']) {
    await expect(seenIn.getByText(release, { exact: true })).toBeVisible();
  }
  await expect(page.getByRole('region', { name: 'Occurrences' }).getByTestId('occurrences-total')).toContainText('3 events');

  const events = page.getByRole('region', { name: 'Events', exact: true });
  await expect(events.locator('tbody tr')).toHaveCount(3);
  await events.locator('tbody tr', { hasText: 'e2e-shop@1.0.0' }).getByRole('link').click();
  await expect(page).toHaveURL(new RegExp(`event=${ids[0]}`));
  await expect(page.getByRole('heading', { name: 'Chosen event' })).toBeVisible();
  const chosen = page.getByRole('region', { name: 'Chosen event' });
  await expect(chosen.locator('dd', { hasText: ids[0] })).toBeVisible();
  await expect(chosen.locator('dd', { hasText: 'ann' })).toBeVisible();
});

test('support merges the issues ticked on the Errors page into the oldest of them', async ({ page, request }) => {
  const word = uniqueWord('ticked');
  await send(request, { fn: `one_${word}`, value: `one ${word}`, user: 'ann', release: 'e2e-shop@2.0.0' });
  await send(request, { fn: `two_${word}`, value: `two ${word}`, user: 'bob', release: 'e2e-shop@2.0.0' });
  await send(request, { fn: `two_${word}`, value: `two ${word}`, user: 'cy', release: 'e2e-shop@2.0.0' });
  await signIn(page, 'support');
  const one = await issueId(page, word, `TypeError: one ${word}`);
  await page.goto(`/errors?q=${encodeURIComponent(word)}`);
  const rows = page.locator('.errors-table tbody tr');
  await expect(rows).toHaveCount(2);

  // One ticked and no issue named: refused, nothing merged.
  await page.getByLabel(`Select TypeError: two ${word}`).check();
  await page.getByText('Merge the ticked…').click();
  await expect(page.getByText('left empty, the oldest ticked one')).toBeVisible();
  await page.getByRole('button', { name: 'Yes, merge the ticked issues' }).click();
  await expect(page.getByText('Tick at least two issues to merge')).toBeVisible();

  // Both ticked (a plain post reloaded the page: tick again), target left empty.
  await page.getByLabel(`Select TypeError: one ${word}`).check();
  await page.getByLabel(`Select TypeError: two ${word}`).check();
  await page.getByRole('button', { name: 'Yes, merge the ticked issues' }).click();
  await expect(page).toHaveURL(new RegExp(`/errors/issues/${one}$`));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`TypeError: one ${word}`);
  const facts = page.locator('dl.facts').first();
  await expect(facts.locator('dt:has-text("Events") + dd')).toHaveText('3');
  await expect(page.locator('.grouped-by > li')).toHaveCount(2);

  await page.goto(`/errors?q=${encodeURIComponent(word)}`);
  await expect(rows).toHaveCount(1);
  await expect(rows.first().locator('td.num').first()).toHaveText('3');
});
