const { test, expect, signIn } = require('./fixtures');

test('a visitor is sent to sign in and comes back to the page asked for', async ({ page }) => {
  await page.goto('/deployments');
  await expect(page).toHaveURL(/\/login\?next=%2Fdeployments|\/login\?next=\/deployments/);
  await page.getByLabel('Email').fill('manager@e2e.test');
  await page.getByLabel('Password').fill('e2e password for every role');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Deployments' })).toBeVisible();
  await expect(page.getByTestId('role')).toHaveText('manager');
});

test('a wrong password is refused with a plain message', async ({ page }) => {
  await page.goto('/login');
  await page.getByLabel('Email').fill('viewer@e2e.test');
  await page.getByLabel('Password').fill('this is not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Email or password is incorrect');
  await expect(page.getByLabel('Email')).toBeVisible();
});

test('repeated failures lock the account and the page says so', async ({ page }, testInfo) => {
  const email = `nobody-${testInfo.project.name}-${Date.now()}@e2e.test`;
  await page.goto('/login');
  for (let attempt = 0; attempt < 6; attempt++) {
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('this is not the password');
    await Promise.all([
      page.waitForResponse((response) => response.url().includes('/api/auth/sign-in')),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    await expect(page.getByRole('alert')).toBeVisible();
  }
  await expect(page.getByRole('alert')).toContainText('temporarily locked');
});

test('signing out returns to the sign-in page and the pages stay closed', async ({ page }) => {
  await signIn(page, 'manager');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await page.goto('/');
  await expect(page).toHaveURL(/\/login/);
});

test('a page the role may not open answers 403', async ({ page }) => {
  await signIn(page, 'viewer');
  const response = await page.goto('/users');
  expect(response.status()).toBe(403);
  await expect(page.getByRole('heading', { name: 'No access' })).toBeVisible();
});
