const { test, expect, signIn } = require('./fixtures');

test('an admin creates a user, changes the role, and disables the account', async ({ page, browser }, testInfo) => {
  const email = `new-${testInfo.project.name}-${Date.now()}@e2e.test`;
  const password = 'a fresh password for this test';
  await signIn(page, 'admin');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();

  const create = page.getByRole('region', { name: 'Create user' });
  await create.getByLabel('Email').fill(email);
  await create.getByLabel('Display name').fill('New Person');
  await create.getByLabel('Role').selectOption('viewer');
  await create.getByLabel('Password').fill('Password1234');
  await create.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByText('This password is too common; choose another.')).toBeVisible();

  // Without JavaScript the page reloads with the error, so fill the form again.
  await create.getByLabel('Email').fill(email);
  await create.getByLabel('Display name').fill('New Person');
  await create.getByLabel('Role').selectOption('viewer');
  await create.getByLabel('Password').fill(password);
  await create.getByRole('button', { name: 'Create user' }).click();

  await page.getByLabel('Search by email or name').fill(email);
  await page.getByRole('button', { name: 'Search' }).click();
  const row = page.getByRole('row').filter({ hasText: email });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('New Person');

  // The new user signs in elsewhere.
  const other = await browser.newContext({ javaScriptEnabled: testInfo.project.use.javaScriptEnabled !== false });
  const theirs = await other.newPage();
  await theirs.goto('/login');
  await theirs.getByLabel('Email').fill(email);
  await theirs.getByLabel('Password').fill(password);
  await theirs.getByRole('button', { name: 'Sign in' }).click();
  await expect(theirs.getByTestId('role')).toHaveText('viewer');

  await row.getByLabel(`Role of ${email}`).selectOption('manager');
  await Promise.all([
    page.waitForResponse((response) => response.url().includes('/api/users/set-role')),
    row.getByRole('button', { name: 'Save' }).click(),
  ]);
  await expect(page.getByRole('row').filter({ hasText: email }).getByLabel(`Role of ${email}`)).toHaveValue('manager');

  // A role change ends their sessions.
  await theirs.goto('/');
  await expect(theirs).toHaveURL(/\/login/);

  const fresh = page.getByRole('row').filter({ hasText: email });
  await fresh.getByText('Disable', { exact: true }).click();
  await fresh.getByRole('button', { name: 'Yes, disable' }).click();
  await expect(page.getByRole('row').filter({ hasText: email })).toContainText('Disabled');

  await theirs.goto('/login');
  await theirs.getByLabel('Email').fill(email);
  await theirs.getByLabel('Password').fill(password);
  await theirs.getByRole('button', { name: 'Sign in' }).click();
  await expect(theirs.getByRole('alert')).toHaveText('Email or password is incorrect');
  await other.close();
});
