import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverConnectors } from '../../src/connector-kit/registry.js';
import { packageRoot } from '../../src/package-root.js';
import { sandboxConnections } from '../../src/sandbox/sandbox-connections.js';
import { createSandbox, DEFAULT_SANDBOX_CREDENTIALS, type Sandbox } from '../../src/sandbox/sandbox-server.js';
import { seedCompany } from '../../src/sandbox/seed-company.js';
import { apiToken, ServeProcesses, type ServeProcess } from '../support/serve-process.js';

/**
 * The console in headless Chromium against a real `staffwire serve` and the sandbox: one serve,
 * sandbox and browser for the whole file, a fresh browser context (cookies, storage) per person.
 */

const SCREENSHOTS = resolve(packageRoot, 'test-output', 'console');
const require = createRequire(import.meta.url);
const operator = apiToken('ops', 'operator');
const viewer = apiToken('watcher', 'viewer');
const admin = apiToken('boss', 'admin');

/** One call to Lark CoreHR: fails while the sandbox answers every vendor request with a 500. */
const faultFlow = {
  id: 'employee-lookup',
  version: '1',
  name: 'Look up an employee in CoreHR',
  input: { type: 'object', required: ['email'], properties: { email: { type: 'string' } } },
  retry: { maxAttempts: 1 },
  steps: [{ id: 'lookup', kind: 'call', action: 'lark-corehr.employee.batch_get', connection: 'lark', with: { work_emails: ['${ $input.email }'] } }],
};
/** Schedules a reminder for an employee at a moment given, in the employee's time zone. */
const planFlow = {
  id: 'plan-reminder',
  version: '1',
  input: { type: 'object', required: ['employee', 'email', 'at'], properties: { employee: { type: 'string' }, email: { type: 'string' }, at: { type: 'string' } } },
  businessKey: '${ $input.employee }',
  steps: [
    { id: 'plan', kind: 'schedule', flow: 'remind', key: 'remind:${ $input.employee }', at: '${ $input.at }', timeZone: 'Asia/Shanghai', input: { employee: '${ $input.employee }', email: '${ $input.email }' } },
  ],
};
const remindFlow = { id: 'remind', version: '1', steps: [{ id: 'done', kind: 'return', output: { reminded: '${ $input.employee }' } }] };
const holdFlow = { id: 'hold', version: '1', steps: [{ id: 'pause', kind: 'wait', for: '1h' }] };

let sandbox: Sandbox;
let sandboxUrl = '';
let dir = '';
let serve: ServeProcess;
let browser: Browser;
const serves = new ServeProcesses();

beforeAll(async () => {
  sandbox = await createSandbox({ company: seedCompany({ employees: 30, seed: 'console' }) });
  await sandbox.app.listen({ port: 0, host: '127.0.0.1' });
  sandboxUrl = `http://127.0.0.1:${(sandbox.app.server.address() as AddressInfo).port}`;
  dir = mkdtempSync(join(tmpdir(), 'staffwire-console-'));
  mkdirSync(join(dir, 'flows'));
  const { connections, secrets } = sandboxConnections(sandboxUrl, DEFAULT_SANDBOX_CREDENTIALS, (await discoverConnectors()).list().map((m) => m.id));
  writeFileSync(join(dir, 'staffwire.config.json'), JSON.stringify({ dataDir: 'data', flowDirs: ['flows'], connections, server: { tokens: [operator.entry, viewer.entry, admin.entry] } }));
  copyFileSync(join(packageRoot, 'flows', 'talent-import.json'), join(dir, 'flows', 'talent-import.json'));
  copyFileSync(join(packageRoot, 'flows', 'samples', 'talent-history.csv'), join(dir, 'talent-history.csv'));
  for (const flow of [faultFlow, planFlow, remindFlow, holdFlow]) writeFileSync(join(dir, 'flows', `${flow.id}.json`), JSON.stringify(flow));
  serve = await serves.start(['--config', join(dir, 'staffwire.config.json')], { env: secrets });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  mkdirSync(SCREENSHOTS, { recursive: true });
  console.log(`console screenshots: ${SCREENSHOTS}`);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await serves.killAll();
  await sandbox?.app.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The REST API with a bearer token (the operator's unless told). */
async function apiCall<T>(method: 'GET' | 'POST', path: string, body?: unknown, token = operator.token): Promise<{ status: number; body: T }> {
  const res = await fetch(`${serve.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as T };
}

async function startRun(flowId: string, input: unknown): Promise<string> {
  const started = await apiCall<{ id: string }>('POST', `/flows/${flowId}/runs`, { input });
  expect(started.status).toBe(202);
  return started.body.id;
}

const runStatus = async (id: string) => (await apiCall<{ status: string }>('GET', `/runs/${id}`)).body.status;

async function faults(settings: Record<string, number>): Promise<void> {
  const res = await fetch(`${sandboxUrl}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(settings) });
  expect(res.status).toBe(200);
}

/** A failed run of the fault flow: started while the sandbox fails every vendor call, which it does no longer. */
async function failedRun(email: string): Promise<string> {
  await faults({ errorRate: 1 });
  try {
    const id = await startRun('employee-lookup', { email });
    await expect.poll(() => runStatus(id), { timeout: 20_000 }).toBe('failed');
    return id;
  } finally {
    await faults({});
  }
}

/** A browser tab signed in through the sign-in page, as a person in Shanghai at a 1280 px screen. */
async function signedIn(token: string, viewport = { width: 1280, height: 900 }, options: { bypassCSP?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport, locale: 'en-US', timezoneId: 'Asia/Shanghai', ...options });
  const page = await context.newPage();
  await page.goto(`${serve.url}/`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.getByRole('heading', { level: 1, name: 'Overview' }).isVisible()).toBe(true);
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Goes to a console page the way a person does, through the navigation, so nothing reloads. */
async function open(page: Page, section: string, heading: string): Promise<void> {
  await page.getByRole('navigation').getByRole('link', { name: section }).click();
  await expect.poll(() => page.getByRole('heading', { level: 1, name: heading }).isVisible()).toBe(true);
}

/** Marks the document: if the page is ever loaded again, the mark is gone. */
const markDocument = (page: Page) => page.evaluate('window.staffwireMark = true');
const documentMarked = (page: Page) => page.evaluate('window.staffwireMark === true');
/** Records what the Content-Security-Policy refuses in the document from now on, even what the page catches (an EvalError). */
const recordRefusals = (page: Page) =>
  page.evaluate(`window.staffwireRefused = []; document.addEventListener('securitypolicyviolation', (e) => window.staffwireRefused.push(e.violatedDirective + ' ' + e.blockedURI))`);
const refusals = (page: Page) => page.evaluate('window.staffwireRefused') as Promise<string[]>;

/**
 * The text of the page the console wrote itself: every visible text node outside elements marked
 * translate="no", which hold data (ids, flow ids, actors, the server's messages).
 */
const CONSOLE_TEXT = `(() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!element || element.closest('[translate="no"], script, style') || !element.checkVisibility()) continue;
    if (node.textContent.trim() !== '') found.push(node.textContent.trim());
  }
  return found;
})()`;

describe('the console', { timeout: 60_000 }, () => {
  it('lets an operator start talent-import from its form after fixing what the form flagged, and watch the run succeed live, then open its timeline', async () => {
    // This tab keeps the console's CSP (script-src 'self', no eval): the form must check input under it.
    const page = await signedIn(operator.token);
    await markDocument(page);
    await recordRefusals(page);
    await open(page, 'Flows', 'Flows');
    const card = page.locator('[data-flow="talent-import"]');
    await card.getByRole('button', { name: 'Start' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Start run' }).click();
    await shot(page, 'flows-start-form-flagged');
    await expect.poll(() => dialog.locator('#root_file-error').textContent()).toMatch(/must have required property/);
    await dialog.getByRole('textbox').fill(join(dir, 'talent-history.csv'));
    await expect.poll(() => dialog.locator('#root_file-error').count()).toBe(0);
    await dialog.getByRole('button', { name: 'Start run' }).click();
    expect(await refusals(page)).toEqual([]);

    await expect.poll(() => page.getByRole('heading', { level: 1, name: 'Runs' }).isVisible()).toBe(true);
    const row = page.locator('tr[data-run]').filter({ hasText: 'talent-import' }).first();
    await expect.poll(() => row.locator('[data-status]').getAttribute('data-status'), { timeout: 30_000 }).toBe('succeeded');
    await shot(page, 'runs');
    await row.getByRole('link').click();
    await expect.poll(() => page.getByTestId('timeline').locator('rect[data-segment="attempt"]').count()).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('journal').locator('tr[data-type="step.succeeded"]').count()).toBeGreaterThan(0);
    await shot(page, 'run-detail-succeeded');
    expect(await documentMarked(page)).toBe(true);
    await page.context().close();
  });

  it('retries a run that failed on a sandbox fault once the fault is cleared: it succeeds, and the journal names who retried', async () => {
    const id = await failedRun('maya@example.com');
    const page = await signedIn(operator.token);
    await page.goto(`${serve.url}/runs/${id}`);
    const error = page.getByTestId('run-error');
    await expect.poll(() => error.isVisible()).toBe(true);
    expect(await error.textContent()).toContain('vendor.');
    // What the failed call sent is on its step, as evaluated from the run's input.
    await page.getByRole('button', { name: /^lookup call/ }).click();
    await expect.poll(() => page.getByLabel('lookup Input', { exact: true }).textContent()).toContain('maya@example.com');
    await shot(page, 'run-detail-failed');
    await page.getByRole('button', { name: 'Retry from the failed step' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => page.locator('h1 + [data-status], h1 ~ [data-status]').first().getAttribute('data-status'), { timeout: 20_000 }).toBe('succeeded');
    const retried = page.getByTestId('journal').locator('tr[data-type="run.retried"]');
    await expect.poll(() => retried.count()).toBe(1);
    expect(await retried.textContent()).toContain('api:ops');
    await shot(page, 'run-detail-retried');
    await page.context().close();
  });

  it('shows a viewer no start, retry or cancel control and masks personal fields, and the API refuses the viewer’s session those actions with 403', async () => {
    const failed = await failedRun('ada@example.com');
    const waiting = await startRun('hold', {});
    const planned = await startRun('plan-reminder', { employee: 'E-viewer', email: 'lin.wei@example.com', at: '2099-01-01T00:00:00+08:00' });
    await expect.poll(() => runStatus(planned)).toBe('succeeded');
    const page = await signedIn(viewer.token);
    expect(await page.getByTestId('role').textContent()).toBe('viewer');

    await open(page, 'Flows', 'Flows');
    await expect.poll(() => page.locator('[data-flow]').count()).toBeGreaterThan(0);
    expect(await page.getByRole('button', { name: 'Start' }).count()).toBe(0);
    await page.goto(`${serve.url}/runs/${failed}`);
    await expect.poll(() => page.getByTestId('run-error').isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Retry from the failed step' }).count()).toBe(0);
    await page.goto(`${serve.url}/runs/${waiting}`);
    await expect.poll(() => page.getByTestId('timeline').isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);
    await page.goto(`${serve.url}/runs/${planned}`);
    const input = page.getByLabel('Input', { exact: true });
    await expect.poll(() => input.textContent()).toContain('[masked]');
    await page.getByRole('button', { name: /^plan schedule/ }).click();
    await expect.poll(() => page.getByLabel('plan Input', { exact: true }).textContent()).toContain('[masked]');
    expect(await page.content()).not.toContain('lin.wei@example.com');
    await shot(page, 'run-detail-viewer-masked');
    await page.goto(`${serve.url}/schedules`);
    await expect.poll(() => page.locator('[data-schedule="remind:E-viewer"]').isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: /^(Cancel|Move)$/ }).count()).toBe(0);

    const refused = await page.evaluate(
      async ({ failed, waiting }) => {
        const { csrfToken } = (await (await fetch('/api/v1/session')).json()) as { csrfToken: string };
        const post = async (path: string, body?: unknown) =>
          (await fetch(path, { method: 'POST', headers: { 'x-csrf-token': csrfToken, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) })).status;
        return [await post('/api/v1/flows/hold/runs', { input: {} }), await post(`/api/v1/runs/${failed}/retry`), await post(`/api/v1/runs/${waiting}/cancel`), await post('/api/v1/schedules/remind%3AE-viewer/cancel')];
      },
      { failed, waiting },
    );
    expect(refused).toEqual([403, 403, 403, 403]);
    expect(await runStatus(failed)).toBe('failed');
    expect(await runStatus(waiting)).toBe('waiting');
    await page.context().close();
  });

  it('cancels a schedule so that it never fires, while another one does', async () => {
    // An hour ahead: however slow the machine, the cancel lands first; the kept one is then moved to fire now.
    const at = new Date(Date.now() + 3_600_000).toISOString();
    for (const employee of ['E-cancelled', 'E-kept']) await startRun('plan-reminder', { employee, email: `${employee}@example.com`, at });
    const page = await signedIn(operator.token);
    await open(page, 'Schedules', 'Schedules');
    const row = page.locator('[data-schedule="remind:E-cancelled"]');
    await expect.poll(() => row.isVisible()).toBe(true);
    await shot(page, 'schedules');
    await row.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => row.count()).toBe(0);
    const schedule = (key: string) => apiCall<{ status: string; runId?: string }>('GET', `/schedules/${encodeURIComponent(key)}`).then((r) => r.body);
    expect((await apiCall('POST', '/schedules/remind%3AE-kept/move', { at: new Date(Date.now() + 2_000).toISOString() })).status).toBe(200);
    await expect.poll(() => schedule('remind:E-kept').then((s) => s.status), { timeout: 30_000 }).toBe('fired');
    expect(await schedule('remind:E-cancelled')).toMatchObject({ status: 'cancelled' });
    const reminders = await apiCall<{ items: { input: { employee: string } }[] }>('GET', '/runs?flow=remind');
    expect(reminders.body.items.map((r) => r.input.employee)).toEqual(['E-kept']);
    await page.context().close();
  });

  it('translates every visible string of the runs page into zh-CN', async () => {
    const page = await signedIn(operator.token);
    await open(page, 'Runs', 'Runs');
    await expect.poll(() => page.locator('tr[data-run]').count()).toBeGreaterThan(0);
    await page.getByLabel('Language').first().selectOption('zh-CN');
    await expect.poll(() => page.getByRole('heading', { level: 1, name: '运行记录' }).isVisible()).toBe(true);
    const text = (await page.evaluate(CONSOLE_TEXT)) as string[];
    expect(text).toContain('运行记录');
    expect(text.filter((t) => /[A-Za-z]{2,}/.test(t))).toEqual([]);
    // The date filters are in the console's language too, not the browser's (en-US here).
    await page.getByLabel('创建时间起').click();
    const calendar = page.getByRole('dialog');
    await expect.poll(() => calendar.isVisible()).toBe(true);
    const calendarText = (await calendar.innerText()).split(/\s+/).filter(Boolean);
    expect(calendarText.join(' ')).toMatch(/[一二三四五六日]/);
    expect(calendarText.filter((t) => /[A-Za-z]{2,}/.test(t))).toEqual([]);
    await shot(page, 'runs-zh-CN-date-picker');
    await page.keyboard.press('Escape');
    await shot(page, 'runs-zh-CN');
    // So does the start form: what it flags as one types is in Chinese.
    await open(page, '流程', '流程');
    await page.locator('[data-flow="talent-import"]').getByRole('button', { name: '启动' }).click();
    const form = page.getByRole('dialog');
    await form.getByRole('button', { name: '启动运行' }).click();
    await expect.poll(() => form.locator('#root_file-error').textContent()).toMatch(/^必须填写「file」$/);
    await shot(page, 'flows-start-form-zh-CN');
    await page.context().close();
  });

  it('has no serious or critical accessibility violation on any page, at 1280 px and at tablet width', async () => {
    const failed = await failedRun('axe@example.com');
    await fetch(`${sandboxUrl}/_sandbox/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ connector: 'lark-hire', type: 'hire.offer.status_changed_v1', payload: { offer_id: 'offer-axe', offer_status: 7 }, target: `${serve.url}/webhooks/lark` }),
    });
    await fetch(`${serve.url}/webhooks/lark`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"encrypt":"not-lark"}' });

    const violations: Record<string, { id: string; impact: string; nodes: number; targets: string[] }[]> = {};
    // axe is injected as an inline script, which the console's CSP rightly refuses: these tabs bypass it.
    const audit = async (page: Page, name: string) => {
      await page.addScriptTag({ path: require.resolve('axe-core') });
      const result = (await page.evaluate('axe.run()')) as { violations: { id: string; impact: string; nodes: unknown[] }[] };
      violations[name] = result.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, targets: (v.nodes as { target: unknown; failureSummary?: string }[]).slice(0, 3).map((n) => `${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`) }));
      await shot(page, name);
    };

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'Asia/Shanghai', bypassCSP: true });
    const signIn = await context.newPage();
    await signIn.goto(`${serve.url}/`);
    await expect.poll(() => signIn.getByLabel('API token').isVisible()).toBe(true);
    await audit(signIn, 'sign-in');
    await context.close();

    for (const [width, height, suffix] of [
      [1280, 900, ''],
      [820, 1180, '-tablet'],
    ] as const) {
      const page = await signedIn(admin.token, { width, height }, { bypassCSP: true });
      await audit(page, `overview${suffix}`);
      for (const [path, heading] of [
        ['/flows', 'Flows'],
        ['/runs', 'Runs'],
        ['/schedules', 'Schedules'],
        ['/deliveries', 'Webhook deliveries'],
        ['/connections', 'Connections'],
      ] as const) {
        await page.goto(`${serve.url}${path}`);
        await expect.poll(() => page.getByRole('heading', { level: 1, name: heading }).isVisible()).toBe(true);
        await page.getByRole('status').first().waitFor({ state: 'detached' }).catch(() => undefined);
        if (path === '/connections') {
          await page.locator('[data-connection="lark"]').getByRole('button', { name: 'Check' }).click();
          await expect.poll(() => page.getByText(/Healthy|Failing/).first().isVisible()).toBe(true);
          // Each limiter the connection's calls go through, with its state; the page asks for it again by itself.
          const freezes = page.locator('[data-connection="lark"] [data-rate-limit$=":contact.user.is_frozen"]');
          await expect.poll(() => freezes.isVisible()).toBe(true);
          expect(await freezes.textContent()).toMatch(/is_frozen.*: \d+ of 1 used in the last 1 s · \d+ waiting/);
          await page.waitForResponse((response) => new URL(response.url()).pathname === '/api/v1/connections' && response.ok());
          await expect.poll(() => page.locator('[data-connection="docusign"]').getByText('No client-side limit on this connection.').isVisible()).toBe(true);
        }
        if (path === '/deliveries') await page.getByRole('button', { name: /#\d+/ }).first().click();
        await audit(page, `${path.slice(1)}${suffix}`);
      }
      await page.goto(`${serve.url}/runs/${failed}`);
      await expect.poll(() => page.getByTestId('run-error').isVisible()).toBe(true);
      await audit(page, `run-detail${suffix}`);
      await page.context().close();
    }

    const down = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    const unreachable = await down.newPage();
    await unreachable.route('**/api/v1/**', (route) => route.abort('connectionrefused'));
    await unreachable.goto(`${serve.url}/runs`);
    await expect.poll(() => unreachable.getByRole('heading', { name: 'The Staffwire API does not answer' }).isVisible()).toBe(true);
    await audit(unreachable, 'api-unreachable');
    await down.close();

    expect(JSON.stringify(Object.entries(violations).filter(([, found]) => found.length > 0), null, 1)).toBe('[]');
  }, 180_000);
});
