// What the browser tests need to run real processes: a temporary directory,
// free loopback ports, a standalone desaster node, desaster-web in front of
// it, desasterctl and the Ruby gem as clients, and waiting on a condition
// with a bound (never a bare sleep standing in for an event).

import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const bins = {
  desaster: process.env.DESASTER_BIN,
  desasterctl: process.env.DESASTERCTL_BIN,
  web: process.env.DESASTER_WEB_BIN,
  source: process.env.DESASTER_SOURCE_DIR || path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..'),
};

export function requireBins() {
  for (const [k, v] of Object.entries({ DESASTER_BIN: bins.desaster, DESASTERCTL_BIN: bins.desasterctl, DESASTER_WEB_BIN: bins.web })) {
    if (!v || !fs.existsSync(v)) throw new Error(`${k} must name the built binary (got '${v || ''}')`);
  }
}

export function tempDir(prefix = 'desaster-e2e-') {
  return fs.mkdtempSync(path.join(process.env.TMPDIR || os.tmpdir(), prefix));
}

// Polls cond (sync or async) every 50 ms until it returns a truthy value or
// the bound passes; throws naming what was awaited.
export async function waitFor(cond, what, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await cond();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? ': ' + last.message : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function portFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

// A port P with P, P+1 and P+2 free on 127.0.0.1 (a node uses all three).
export async function freePorts(count = 3) {
  for (let i = 0; i < 200; i++) {
    const p = 20000 + Math.floor(Math.random() * 40000);
    let ok = true;
    for (let k = 0; k < count && ok; k++) ok = await portFree(p + k);
    if (ok) return p;
  }
  throw new Error('no free port');
}

// A child process with its stdout+stderr in a log file.
class Child {
  constructor(name, argv, logPath, env) {
    this.name = name;
    this.logPath = logPath;
    const log = fs.openSync(logPath, 'a');
    this.proc = spawn(argv[0], argv.slice(1), { stdio: ['ignore', log, log], env: { ...process.env, ...env } });
    fs.closeSync(log);
    this.exited = false;
    this.proc.on('exit', () => { this.exited = true; });
  }

  log() {
    try { return fs.readFileSync(this.logPath, 'utf8'); } catch { return ''; }
  }

  async stop() {
    if (this.exited) return;
    const done = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => { if (!this.exited) this.proc.kill('SIGKILL'); }, 10000);
    await done;
    clearTimeout(t);
  }
}

export class Node {
  constructor(dir) {
    this.dir = dir;
  }

  async start() {
    this.port = this.port || await freePorts(3);
    this.data = path.join(this.dir, `node-${this.port}`);
    const logPath = path.join(this.dir, `desaster-${this.port}.log`);
    const logStart = fs.existsSync(logPath) ? fs.readFileSync(logPath, 'utf8').length : 0;  // a restart appends
    this.child = new Child('desaster', [bins.desaster, '-s', '-a', '127.0.0.1', '-p', String(this.port), '-d', this.data], logPath);
    await waitFor(() => {
      if (this.child.exited) throw new Error(`desaster exited:\n${this.child.log()}`);
      return this.child.log().slice(logStart).includes(' listening: ');
    }, 'desaster to listen');
    return this;
  }

  endpoint() {
    return `127.0.0.1:${this.port}`;
  }

  // desasterctl against this node; resolves {code, out, err}; rejects on a
  // non-zero exit unless allowed.
  ctl(args, { allowFail = false, timeoutMs = 30000 } = {}) {
    return new Promise((resolve, reject) => {
      execFile(bins.desasterctl, ['-c', this.endpoint(), ...args], { timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, out, errOut) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        if (code !== 0 && !allowFail) reject(new Error(`desasterctl ${args.join(' ')} exited ${code}: ${errOut || out}`));
        else resolve({ code, out, err: errOut });
      });
    });
  }

  async ctlJson(args) {
    const r = await this.ctl([...args, '--json']);
    return JSON.parse(r.out);
  }

  // Enqueues many Ruby jobs in batches of 1000 (one request and one journal
  // write each) through the gem's client: `perform_bulk`'s path.
  rubyBulkEnqueue({ queue, jobClass, count, argPrefix }) {
    const script = `
      require "desaster"
      client = Desaster::Client.new(url: "tcp://${this.endpoint()}")
      ids = 0
      (0...${count}).each_slice(1000) do |slice|
        ids += client.enqueue_many(slice.map { |i| ["${jobClass}", ["${argPrefix}#{i}"], { queue: "${queue}" }] }).compact.size
      end
      puts ids
    `;
    return new Promise((resolve, reject) => {
      execFile('ruby', ['-I', path.join(bins.source, 'workers/ruby/lib'), '-e', script], { timeout: 120000 }, (err, out, errOut) => {
        if (err) reject(new Error(`ruby bulk enqueue failed: ${errOut || err.message}`));
        else resolve(parseInt(out.trim(), 10));
      });
    });
  }

  async stop() {
    if (this.child) await this.child.stop();
  }
}

export class Web {
  constructor(dir, node, extra = []) {
    this.dir = dir;
    this.node = node;
    this.extra = extra;
  }

  async start({ basePath = '' } = {}) {
    this.port = await freePorts(1);
    this.basePath = basePath;
    const args = [bins.web, '-c', this.node.endpoint(), '--listen', `127.0.0.1:${this.port}`, ...this.extra];
    if (basePath) args.push('--base-path', basePath);
    this.child = new Child('desaster-web', args, path.join(this.dir, `desaster-web-${this.port}.log`));
    this.url = `http://127.0.0.1:${this.port}${basePath}/`;
    await waitFor(async () => {
      if (this.child.exited) throw new Error(`desaster-web exited:\n${this.child.log()}`);
      const r = await fetch(this.url + 'api/session');
      return r.ok;
    }, 'desaster-web to answer /api/session');
    return this;
  }

  // GET {base}/api/... as a script would (no cookie): JSON or throws.
  async api(pathAndQuery) {
    const r = await fetch(this.url + pathAndQuery);
    const body = await r.json();
    if (!r.ok) throw new Error(`${pathAndQuery}: HTTP ${r.status} ${body.error}`);
    return body;
  }

  async waitConnected() {
    await waitFor(async () => (await this.api('api/overview')).connection_state === 'connected', 'desaster-web to connect to its node');
  }

  async stop() {
    if (this.child) await this.child.stop();
  }
}

// The gem's Desaster::Web mounted at /desaster in a Rack app under puma, as
// a Rails app mounts it in routes.rb, proxying to a desaster-web started
// with --base-path /desaster.
export class RackMount {
  constructor(dir, web) {
    this.dir = dir;
    this.web = web;
  }

  async start() {
    this.port = await freePorts(1);
    const ru = path.join(this.dir, `mount-${this.port}.ru`);
    fs.writeFileSync(ru, [
      'require "desaster/web"',
      `Desaster::Web.upstream = "http://127.0.0.1:${this.web.port}"`,
      `map("${this.web.basePath}") { run Desaster::Web }`,
      'run ->(_env) { [404, { "content-type" => "text/plain" }, ["host app\\n"]] }',
      '',
    ].join('\n'));
    const puma = process.env.PUMA_BIN || '/usr/bin/puma';
    if (!fs.existsSync(puma)) throw new Error(`${puma} is missing: apt-get install puma (contrib/install-deps)`);
    const log = path.join(this.dir, `puma-${this.port}.log`);
    this.child = new Child('puma', [puma, '-b', `tcp://127.0.0.1:${this.port}`, '-t', '4:8', '-e', 'production', ru], log,
      { RUBYLIB: path.join(bins.source, 'workers/ruby/lib') });
    this.url = `http://127.0.0.1:${this.port}${this.web.basePath}/`;
    await waitFor(() => {
      if (this.child.exited) throw new Error(`puma exited:\n${this.child.log()}`);
      return this.child.log().includes('Listening on');
    }, 'puma to listen');
    return this;
  }

  async stop() {
    if (this.child) await this.child.stop();
  }
}
