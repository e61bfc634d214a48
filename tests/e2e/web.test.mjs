// Browser tests of desaster-web: Debian's chromium (never a downloaded
// browser), driven by playwright-core, against a real standalone desaster
// node and real desaster-web processes, with desasterctl and the Ruby gem
// as the other clients. ONE chromium for the whole suite; each case opens
// its own page. Screenshots of every page go to $E2E_SCREENSHOTS.
//
// Run by ctest (tests/CMakeLists.txt, "e2e: web pages in chromium"), or by
// hand: DESASTER_BIN=build/desaster DESASTERCTL_BIN=build/desasterctl
//   DESASTER_WEB_BIN=build/desaster-web node --test tests/e2e/web.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Node, Web, RackMount, tempDir, waitFor, requireBins } from './harness.mjs';

// playwright-core comes from `npm ci` of this directory's lock file, into
// $E2E_NODE_MODULES (the build tree) or, by hand, next to this file.
const require = createRequire(path.join(process.env.E2E_NODE_MODULES || path.dirname(new URL(import.meta.url).pathname), 'node_modules', 'x.js'));
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const SHOTS = process.env.E2E_SCREENSHOTS || path.join(process.cwd(), 'e2e-screenshots');
const PASSWORD = 'correct horse battery staple';

let dir, node, web, authWeb, mount, browser, context, profile;

before(async () => {
  requireBins();
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (contrib/install-deps)`);
  fs.mkdirSync(SHOTS, { recursive: true });
  dir = tempDir();
  node = await new Node(dir).start();
  web = await new Web(dir, node).start();
  await web.waitConnected();
  // A second desaster-web with a password, under a path prefix as behind a
  // reverse proxy.
  const pwFile = path.join(dir, 'password');
  fs.writeFileSync(pwFile, PASSWORD + '\n', { mode: 0o600 });
  authWeb = await new Web(dir, node, ['--password-file', pwFile]).start({ basePath: '/desaster' });
  profile = path.join(dir, 'chromium-profile');
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  context.setDefaultTimeout(10000);
  browser = context;
});

after(async () => {
  if (context) await context.close();
  if (mount) await mount.stop();
  if (authWeb) await authWeb.stop();
  if (web) await web.stop();
  if (node) await node.stop();
  if (dir && !process.env.E2E_KEEP) fs.rmSync(dir, { recursive: true, force: true });
});

// A fresh page that fails the case on any uncaught script error.
async function openPage(url) {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // A refused request (4xx) is logged by chromium; the cases that cause one
  // check that the page shows its message. Anything else is a problem.
  page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()}`); });
  page.problems = problems;
  if (url) await page.goto(url);
  return page;
}

async function closePage(page) {
  const problems = page.problems;
  await page.close();
  assert.deepEqual(problems, [], 'the page logged no script error');
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

// The errors the page shows (API messages land in #errors).
async function pageErrors(page) {
  return page.locator('#errors .error').allTextContents();
}

// A job's state as the node says (desasterctl), not as the page under test does.
async function jobState(id) {
  const j = await node.ctlJson(['job', id]);
  return j.state;
}

async function enqueue(args) {
  const r = await node.ctl(['enqueue', ...args]);
  return r.out.trim().split('\n').pop().trim();
}

test('every page opens and shows its content', async () => {
  // Something on each page: a queue, a failed job, a scheduled job.
  await node.ctl(['queue', 'create', 'pages', '--max-attempts', '1']);
  const failedId = await enqueue(['--queue', 'pages', '--sh', '--', 'echo some output; exit 3']);
  const scheduledId = await enqueue(['--queue', 'pages', '--in', '1h', '--', 'echo later']);
  await waitFor(async () => (await jobState(failedId)) === 'dead', 'the failing job to be dead');
  await waitFor(async () => (await web.api('api/overview')).totals.dead >= 1, 'the overview to count it');

  const page = await openPage(web.url);
  const cases = [
    ['dashboard', '#/', 'Dashboard', '.tiles .tile'],
    ['queues', '#/queues', 'Queues', 'tr[data-queue="pages"]'],
    ['jobs', '#/jobs', 'Jobs', `tr[data-id="${scheduledId}"]`],
    ['job', `#/jobs/${failedId}`, 'Job', 'pre.output'],
    ['failed', '#/failed', 'Failed', 'tr[data-group="pages"]'],
    ['workers', '#/workers', 'Workers and pools', 'section.card'],
    ['nodes', '#/nodes', 'Nodes', 'table.nodes tbody tr'],
  ];
  for (const [name, hash, heading, marker] of cases) {
    await page.goto(web.url + hash);
    await page.locator('main h1').first().waitFor();
    assert.match(await page.locator('main h1').first().textContent(), new RegExp(heading), `${name}: heading`);
    await page.locator(marker).first().waitFor({ timeout: 10000 }).catch(async (e) => {
      // Say what the page showed instead, so a failure names its cause.
      const shown = await page.locator('main').innerText().catch(() => '?');
      throw new Error(`${name}: ${marker} did not appear: ${e.message}\npage: ${shown.slice(0, 2000)}\n` +
        `errors: ${JSON.stringify(await pageErrors(page))}`);
    });
    assert.deepEqual(await pageErrors(page), [], `${name}: no API error shown`);
    assert.equal(await page.locator(`#nav a.active`).count(), 1, `${name}: its tab is marked`);
    // Let charts and the live stream settle before the picture.
    await page.waitForLoadState('networkidle').catch(() => {});
    await shot(page, name);
  }
  // The job page shows what the job printed and why it failed.
  await page.goto(web.url + `#/jobs/${failedId}`);
  await page.locator('pre.output').waitFor();
  assert.match(await page.locator('pre.output').textContent(), /some output/);
  assert.match(await page.locator('dd[data-fact="state"]').textContent(), /dead/);
  // The nodes page shows this standalone node as leader.
  await page.goto(web.url + '#/nodes');
  await page.locator('table.nodes tbody tr').first().waitFor();
  assert.match(await page.locator('table.nodes tbody tr').first().textContent(), /leader/);
  // The failed set by error signature: the group's link lists exactly it.
  await page.goto(web.url + '#/failed?by=error');
  const group = page.locator('tr[data-group="exit status <n>"]');
  await group.waitFor();
  assert.equal((await group.locator('.group-count').textContent()).trim(), '1');
  await group.locator('.group-key a').click();
  await waitFor(async () => (await page.locator('#job-count').getAttribute('data-total')) === '1', 'the group\'s one job listed');
  assert.match(page.url(), /error_signature=/);
  assert.equal(await page.locator(`tr[data-id="${failedId}"]`).count(), 1);
  await shot(page, 'failed-error-group-jobs');
  // A bad filter shows the server's message naming the field.
  await page.goto(web.url + '#/jobs?attempts=lots');
  await waitFor(async () => (await pageErrors(page)).length > 0, 'the error of a bad filter on the page');
  assert.match((await pageErrors(page)).join('\n'), /attempts/);
  await closePage(page);
});

test('a 10,000-job queue filtered by search text shows the right count, one page of rows', async () => {
  await node.ctl(['queue', 'create', 'bulk']);
  await node.ctl(['queue', 'pause', 'bulk']);
  const n = await node.rubyBulkEnqueue({ queue: 'bulk', jobClass: 'ReportJob', count: 10000, argPrefix: 'user-' });
  assert.equal(n, 10000);
  await waitFor(async () => (await web.api('api/jobs?queue=bulk&limit=1')).total === 10000, 'desaster-web to see 10,000 jobs in bulk');

  const page = await openPage(web.url + '#/jobs?queue=bulk');
  const count = page.locator('#job-count');
  await waitFor(async () => (await count.getAttribute('data-total')) === '10000', 'the page to count 10,000 jobs');
  // user-77, user-770..779, user-7700..7799: 111 jobs.
  await page.locator('input.search').fill('user-77');
  await waitFor(async () => (await count.getAttribute('data-total')) === '111', 'the page to count 111 matches');
  assert.match(await count.textContent(), /^111 jobs$/);
  const rows = await page.locator('table.jobs tbody tr').count();
  assert.equal(rows, 50, 'one page of rows, never more');
  // The filter is in the URL: a reload (or a bookmark) shows the same view.
  assert.match(page.url(), /search=user-77/);
  await page.reload();
  await waitFor(async () => (await page.locator('#job-count').getAttribute('data-total')) === '111', 'the bookmarked view to count 111 again');
  assert.equal(await page.locator('input.search').inputValue(), 'user-77');
  // The next page holds the rest, and the pages do not overlap.
  const first = await page.locator('table.jobs tbody tr').evaluateAll((trs) => trs.map((t) => t.dataset.id));
  await page.locator('.pager button.next').click();
  await waitFor(async () => {
    const ids = await page.locator('table.jobs tbody tr').evaluateAll((trs) => trs.map((t) => t.dataset.id));
    return ids.length === 50 && ids.every((id) => !first.includes(id));
  }, 'the second page');
  // Sorting by a column sorts (descending ids come back reversed).
  await page.goto(web.url + '#/jobs?queue=bulk&search=user-77');
  await page.locator('button.sort[data-sort="id"]').click();
  await waitFor(() => /desc=1/.test(page.url()), 'the sort to be in the URL');
  await waitFor(async () => {
    const ids = await page.locator('table.jobs tbody tr').evaluateAll((trs) => trs.map((t) => t.dataset.id));
    return ids.length === 50 && ids.every((id, i) => i === 0 || ids[i - 1] > id);
  }, 'rows in descending id order');
  await shot(page, 'jobs-search');

  // Acting on all N matching the filter: the 111, not the page of 50, and
  // not the other 9,889 of the queue.
  await page.locator('button.select-all').click();
  assert.match(await page.locator('.sel-count').textContent(), /All 111 jobs matching the filter/);
  await page.locator('.action-buttons button[data-action="delete"]').click();
  const dlg = page.locator('dialog.modal');
  await dlg.waitFor();
  assert.match(await dlg.textContent(), /Delete all 111 jobs matching the filter\?/, 'the confirmation names N');
  await dlg.locator('button[type="submit"]').click();
  await page.locator('.operation.done').waitFor({ timeout: 20000 });
  assert.match(await page.locator('.operation').textContent(), /111 done of 111/);
  await waitFor(async () => (await page.locator('#job-count').getAttribute('data-total')) === '0', 'the list to be empty');
  assert.equal((await web.api('api/jobs?queue=bulk&limit=1')).total, 10000 - 111, 'the rest of the queue is untouched');
  await closePage(page);
});

test('retrying a whole group from the failed set', async () => {
  const flag = path.join(dir, 'flaky-may-pass');
  await node.ctl(['queue', 'create', 'flaky', '--max-attempts', '1']);
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push(await enqueue(['--queue', 'flaky', '--sh', '--', `test -f '${flag}'`]));
  await waitFor(async () => (await Promise.all(ids.map(jobState))).every((s) => s === 'dead'), 'five dead jobs in flaky');

  const page = await openPage(web.url + '#/failed?by=queue');
  const row = page.locator('tr[data-group="flaky"]');
  await row.waitFor();
  assert.equal((await row.locator('.group-count').textContent()).trim(), '5');
  fs.writeFileSync(flag, '');
  await row.locator('button[data-action="retry"]').click();
  const dlg = page.locator('dialog.modal');
  await dlg.waitFor();
  assert.match(await dlg.textContent(), /all 5 jobs of queue .flaky./, 'the confirmation names N and the group');
  await shot(page, 'failed-confirm');
  await dlg.locator('button[type="submit"]').click();
  // Progress from the SSE `operation` events ends "done".
  await page.locator('.operation.done').waitFor({ timeout: 20000 });
  await waitFor(async () => (await Promise.all(ids.map(jobState))).every((s) => s === 'succeeded'), 'the retried jobs to succeed');
  await waitFor(async () => (await page.locator('tr[data-group="flaky"]').count()) === 0, 'the group to leave the page, live');
  await shot(page, 'failed-after-retry');
  await closePage(page);
});

test('killing a running job from its page ends it killed', async () => {
  const id = await enqueue(['--queue', 'slow', '--', 'sleep', '300']);
  await waitFor(async () => (await jobState(id)) === 'running', 'the job to run');
  const page = await openPage(web.url + `#/jobs/${id}`);
  const st = page.locator('dd[data-fact="state"]');
  await waitFor(async () => /running/.test(await st.textContent()), 'the page to show it running');
  await page.locator('.page-head button[data-action="kill"]').click();
  const dlg = page.locator('dialog.modal');
  await dlg.waitFor();
  assert.match(await dlg.textContent(), /Kill 1 selected job/);
  await dlg.locator('button[type="submit"]').click();
  await waitFor(async () => /killed/.test(await st.textContent()), 'the page to show it killed', 30000);
  assert.equal(await jobState(id), 'killed');
  await shot(page, 'job-killed');
  await closePage(page);
});

test('a job enqueued from desasterctl appears without a reload', async () => {
  const page = await openPage(web.url + '#/jobs?queue=appear');
  await page.locator('#job-count').waitFor();
  await waitFor(async () => (await page.locator('#job-count').getAttribute('data-total')) === '0', 'an empty list');
  await page.evaluate(() => { window.__notReloaded = true; });
  const started = Date.now();
  const id = await enqueue(['--queue', 'appear', '--in', '1h', '--', 'echo', 'hello']);
  await page.locator(`tr[data-id="${id}"]`).waitFor({ timeout: 10000 });
  const ms = Date.now() - started;
  assert.equal(await page.evaluate(() => window.__notReloaded), true, 'the page was not reloaded');
  assert.match(await page.locator(`tr[data-id="${id}"]`).textContent(), /scheduled/);
  console.log(`# the job showed ${ms} ms after desasterctl was started`);

  // Paused, the list holds still; resumed, it catches up.
  await page.locator('#live').click();
  assert.match(await page.locator('#live').textContent(), /Paused/);
  const held = await enqueue(['--queue', 'appear', '--in', '1h', '--', 'echo', 'held']);
  await waitFor(async () => (await web.api('api/jobs?queue=appear&limit=10')).total === 2, 'desaster-web to have the second job');
  // An event-driven update would have landed by now (the first took
  // `ms`); the paused page must not show it.
  await new Promise((r) => setTimeout(r, Math.max(1000, 3 * ms)));
  assert.equal(await page.locator(`tr[data-id="${held}"]`).count(), 0, 'a paused page does not update');
  await page.locator('#live').click();
  await page.locator(`tr[data-id="${held}"]`).waitFor();
  await closePage(page);
});

test('queues page: create a queue, pause it, set its discipline and dedup window', async () => {
  const page = await openPage(web.url + '#/queues');
  await page.locator('form.inline-form input[name="name"]').fill('made-in-browser');
  await page.locator('form.inline-form input[name="max_attempts"]').fill('4');
  await page.locator('form.inline-form button[type="submit"]').click();
  const row = page.locator('tr[data-queue="made-in-browser"]');
  await row.waitFor();
  assert.equal((await row.locator('td').nth(10).textContent()).trim(), '4', 'max attempts 4');

  await row.locator('button[data-action="pause"]').click();
  await waitFor(async () => /paused/.test(await row.textContent()), 'the queue to show paused');
  assert.equal((await node.ctlJson(['queues'])).find((q) => q.name === 'made-in-browser').paused, true, 'paused on the node');

  await row.locator('button[data-action="qdisc"]').click();
  const dlg = page.locator('dialog.modal');
  await dlg.locator('select[name="kind"]').selectOption('sfq');
  await dlg.locator('input[name="quantum"]').fill('2');
  assert.equal(await dlg.locator('code.preview').textContent(), 'sfq --quantum 2');
  await dlg.locator('button[type="submit"]').click();
  await waitFor(async () => /sfq/.test(await row.locator('td code').textContent()), 'the discipline to show sfq');

  await row.locator('button[data-action="dedup"]').click();
  await page.locator('dialog.modal input[name="window"]').fill('10m');
  await page.locator('dialog.modal button[type="submit"]').click();
  await waitFor(async () => /10 min/.test(await row.textContent()), 'the dedup window to show');

  // A bad discipline: the server's message on the page, nothing changed.
  await row.locator('button[data-action="qdisc"]').click();
  await page.locator('dialog.modal input[name="spec"]').fill('wfq --weird');
  await page.locator('dialog.modal button[type="submit"]').click();
  await waitFor(async () => (await pageErrors(page)).some((t) => /spec/.test(t)), 'the refusal on the page');
  assert.match(await row.locator('td code').textContent(), /sfq/);
  await shot(page, 'queues-managed');
  await closePage(page);
});

test('cron page: an entry added with desasterctl shows, run now makes a job that names it, pause and remove', async () => {
  await node.ctl(['cron', 'add', 'e2e-nightly', '0 3 * * *', '--tz', 'Europe/Berlin', '--queue', 'crone2e', '--', 'echo', 'from cron']);
  const page = await openPage(web.url + '#/cron');
  const row = page.locator('tr[data-cron="e2e-nightly"]');
  await row.waitFor();
  const text = await row.textContent();
  assert.match(text, /0 3 \* \* \*/, 'the schedule');
  assert.match(text, /Europe\/Berlin/, 'the zone');
  assert.match(text, /crone2e/, 'the queue');
  assert.match(text, /never/, 'no run yet');
  const api = (await web.api('api/cron')).entries.find((e) => e.name === 'e2e-nightly');
  assert.equal(api.next.length, 5, 'five next instants');
  assert.equal(await row.locator('td.next > div').count(), 3, 'three next runs shown');

  await row.locator('button[data-action="run"]').click();
  await page.locator('dialog.modal button[type="submit"]').click();
  const made = page.locator('.result[data-result="run"] a');
  await made.waitFor();
  const id = (await made.textContent()).trim();
  assert.match(id, /^[0-9a-f]{16}$/);
  const job = await node.ctlJson(['job', id]);
  assert.equal(job.queue, 'crone2e');
  assert.equal(job.cron.name, 'e2e-nightly', 'the job names its entry');
  assert.equal(job.cron.manual, true);
  await waitFor(async () => (await row.locator('td.last-job').textContent()).includes(id), 'the last job on the row');
  await waitFor(async () => (await jobState(id)) === 'succeeded', 'the cron job to succeed');
  await shot(page, 'cron');

  // The job's page names the entry and links back to it.
  await page.goto(web.url + `#/jobs/${id}`);
  const fact = page.locator('dd[data-fact="cron"]');
  await fact.waitFor();
  assert.match(await fact.textContent(), /^e2e-nightly run by hand at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  await fact.locator('a').click();
  await page.locator('tr.picked[data-cron="e2e-nightly"]').waitFor();

  const again = page.locator('tr[data-cron="e2e-nightly"]');
  await again.locator('button[data-action="pause"]').click();
  await waitFor(async () => /paused/.test(await again.textContent()), 'the entry to show paused');
  assert.equal((await node.ctlJson(['cron', 'show', 'e2e-nightly'])).entries[0].paused, true, 'paused on the node');
  await again.locator('button[data-action="remove"]').click();
  await page.locator('dialog.modal button[type="submit"]').click();
  await waitFor(async () => (await page.locator('tr[data-cron="e2e-nightly"]').count()) === 0, 'the entry to be gone');
  assert.equal((await node.ctl(['cron', 'list'])).out, 'no cron entries\n');
  await closePage(page);
});

test('an action without the CSRF token is refused, and the page says so', async () => {
  const id = await enqueue(['--queue', 'csrf', '--in', '1h', '--', 'echo', 'x']);
  const page = await openPage(web.url + `#/jobs/${id}`);
  await page.locator('dd[data-fact="state"]').waitFor();
  const statuses = await page.evaluate(async (jobId) => {
    const body = JSON.stringify({ action: 'delete', ids: [jobId] });
    const none = await fetch('api/actions', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    const wrong = await fetch('api/actions', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': 'forged' }, body });
    return [none.status, (await none.json()).error, wrong.status];
  }, id);
  assert.equal(statuses[0], 403, 'no token: 403');
  assert.ok(statuses[1], 'with a message');
  assert.equal(statuses[2], 403, 'a wrong token: 403');
  // The page's own button with a spoiled token: refused, message shown.
  await page.evaluate(() => { window.desaster.session.csrf_token = 'spoiled'; });
  await page.locator('.page-head button[data-action="delete"]').click();
  await page.locator('dialog.modal button[type="submit"]').click();
  await waitFor(async () => (await pageErrors(page)).some((t) => /403/.test(t)), 'the refusal on the page');
  assert.equal(await jobState(id), 'scheduled', 'the job is untouched');
  await shot(page, 'csrf-refused');
  await closePage(page);
});

test('read-only: no action buttons, and actions refused', async () => {
  const ro = await new Web(dir, node, ['--read-only']).start();
  try {
    const id = await enqueue(['--queue', 'ro', '--in', '1h', '--', 'echo', 'ro']);
    // The job page asks once (then on ops naming the job): wait until this
    // new desaster-web's replica holds the job, which its snapshot may not.
    await waitFor(async () => (await ro.api(`api/jobs/${id}`)).state === 'scheduled',
      'the read-only desaster-web to hold the job');
    const page = await openPage(ro.url + `#/jobs/${id}`);
    await page.locator('dd[data-fact="state"]').waitFor();
    assert.equal(await page.locator('#who .pill', { hasText: 'read-only' }).count(), 1, 'the header says read-only');
    assert.equal(await page.locator('button[data-action]').count(), 0, 'no action buttons on the job page');
    await page.goto(ro.url + '#/queues');
    await page.locator('tr[data-queue="ro"]').waitFor();
    assert.equal(await page.locator('button[data-action]').count(), 0, 'none on the queues page');
    const status = await page.evaluate(async (jobId) => {
      const s = await (await fetch('api/session')).json();
      const r = await fetch('api/actions', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token }, body: JSON.stringify({ action: 'delete', ids: [jobId] }) });
      return r.status;
    }, id);
    assert.equal(status, 403, 'an action with a valid token is still refused');
    await shot(page, 'queues-read-only');
    await closePage(page);
  } finally {
    await ro.stop();
  }
});

test('with a password: refused without it, in with it', async () => {
  // Without a session the API refuses and the page shows the login form.
  const r = await fetch(authWeb.url + 'api/jobs');
  assert.equal(r.status, 401);
  const page = await openPage(authWeb.url);
  await page.locator('form.login').waitFor();
  await shot(page, 'login');
  await page.locator('#password').fill('not the password');
  await page.locator('form.login button[type="submit"]').click();
  await waitFor(async () => /401|wrong|password/i.test(await page.locator('.login-msg').textContent()), 'the refusal on the page');
  assert.equal(await page.locator('form.login').count(), 1, 'still on the login form');
  const still = await page.evaluate(async () => (await fetch('api/overview')).status);
  assert.equal(still, 401, 'a wrong password opens nothing');

  await page.locator('#password').fill(PASSWORD);
  await page.locator('form.login button[type="submit"]').click();
  await page.locator('main h1', { hasText: 'Dashboard' }).waitFor({ timeout: 15000 });
  await page.locator('.tiles .tile').first().waitFor();
  assert.deepEqual(await pageErrors(page), []);
  assert.equal(await page.evaluate(async () => (await fetch('api/overview')).status), 200, 'the session cookie opens the API');
  assert.ok(new URL(page.url()).pathname.startsWith('/desaster/'), 'served under its base path');
  await shot(page, 'dashboard-logged-in');
  await closePage(page);
});

test('through Desaster::Web mounted in a Rack app (puma): log in, dashboard, live list', async () => {
  mount = await new RackMount(dir, authWeb).start();
  // The password case logged in to the same desaster-web on the same host;
  // start without its cookie so the login goes through the mount too.
  await context.clearCookies();
  const page = await openPage(mount.url);
  await page.locator('form.login').waitFor();
  await page.locator('#password').fill(PASSWORD);
  await page.locator('form.login button[type="submit"]').click();
  await page.locator('main h1', { hasText: 'Dashboard' }).waitFor({ timeout: 15000 });
  await page.locator('.tiles .tile').first().waitFor();
  assert.equal(new URL(page.url()).port, String(mount.port), 'served by the Rack app');
  await shot(page, 'dashboard-through-rack-mount');
  // The live stream passes through the proxy: a job appears without a reload.
  await page.goto(mount.url + '#/jobs?queue=mounted');
  await page.locator('#job-count').waitFor();
  await page.evaluate(() => { window.__notReloaded = true; });
  const id = await enqueue(['--queue', 'mounted', '--in', '1h', '--', 'echo', 'mounted']);
  await page.locator(`tr[data-id="${id}"]`).waitFor({ timeout: 10000 });
  assert.equal(await page.evaluate(() => window.__notReloaded), true, 'the page was not reloaded');
  assert.deepEqual(await pageErrors(page), []);
  await closePage(page);
});

// Last: it stops the node. desaster-web loses it, says so on every open
// page (SSE `connection`), and says so again when it is back.
test('the page says when desaster-web loses its node and when it is back', async () => {
  const page = await openPage(web.url + '#/nodes');
  await page.locator('table.nodes tbody tr').first().waitFor();
  const banner = page.locator('#banner');
  await node.stop();
  await waitFor(async () => (await banner.isVisible()) && /lost its node/.test(await banner.textContent()), 'the banner saying the node is lost', 30000);
  await shot(page, 'nodes-connection-lost');
  await node.start();
  try {
    await waitFor(async () => /connected to .* again|moved to/.test(await banner.textContent()), 'the banner saying it is connected again', 30000);
  } catch (e) {
    const o = await web.api('api/overview').catch((err) => ({ error: err.message }));
    const fromPage = await page.evaluate(async () => {
      const t0 = Date.now();
      try {
        const r = await fetch('api/overview');
        return `${r.status} in ${Date.now() - t0} ms (${document.visibilityState}): ${(await r.text()).slice(0, 80)}`;
      } catch (err) { return `fetch failed: ${err.message}`; }
    });
    throw new Error(`${e.message}; banner: '${await banner.textContent()}'; desaster-web says ${o.connection_state} to ${o.connected_to} (${o.message || o.error}); the page's own GET: ${fromPage}; page problems: ${page.problems.join(' | ')}`);
  }
  await page.locator('table.nodes tbody tr').first().waitFor();
  await closePage(page);
});
