// The small services in otel/ that send to the test server with an official
// OpenTelemetry SDK: started as child processes, stopped after their test.
const { spawn } = require('child_process');
const { expect } = require('./fixtures');

// Starts `script` with `args` once it says it listens ({"port": N} on its
// first line); `running` collects it so the spec stops it after its test.
async function startOtelServer(script, args, running) {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const server = {
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      // Shutting down exports what is left; the exporter gives up after 5 s.
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  running.push(server);
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const end = out.indexOf('\n');
      if (end >= 0) resolve(JSON.parse(out.slice(0, end)).port);
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}: ${stderr}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  return Object.assign(server, {
    base,
    // One request to the service; its status.
    async get(route) {
      const response = await fetch(`${base}${route}`);
      await response.arrayBuffer();
      return response.status;
    },
    // Exports everything recorded so far; `count` exports (at least) must
    // have been made, each accepted by the test server, whatever the pages
    // show afterwards.
    async flushed(count = 1) {
      let results = [];
      await expect.poll(async () => {
        const response = await fetch(`${base}/flush`, { method: 'POST' });
        ({ results } = await response.json());
        return results.length;
      }, { message: 'the exporter exported', timeout: 15_000 }).toBeGreaterThanOrEqual(count);
      for (const result of results) {
        expect(result, stderr ? `export result (stderr: ${stderr})` : 'export result').toEqual({ code: 0 });
      }
    },
  });
}

module.exports = { startOtelServer };
