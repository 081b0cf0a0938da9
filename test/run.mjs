// The test command (`npm test`): runs the whole suite on the embedded engine (PGlite)
// and, when a PostgreSQL server answers, on it too. Extra arguments go to Jest.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function answers(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname || '127.0.0.1', port: Number(port || 5432) });
    socket.setTimeout(2000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

const engines = ['pglite'];
if (await answers(adminUrl)) engines.push('postgres');
else console.log(`No PostgreSQL answers at ${adminUrl}: the suite runs on PGlite only.`);
console.log(`Database engines under test: ${engines.join(', ')}`);

const build = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const resultsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hub-jest-')), 'results.json');
const jest = spawnSync(
  process.execPath,
  ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', 'node_modules/jest/bin/jest.js', '--json', `--outputFile=${resultsFile}`, ...process.argv.slice(2)],
  { stdio: 'inherit', env: { ...process.env, TEST_ENGINES: engines.join(','), TEST_DATABASE_URL: adminUrl } },
);
// One plain closing line that any CI can read.
if (fs.existsSync(resultsFile)) {
  const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
  console.log(`tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests} skipped`);
}
process.exit(jest.status ?? 1);
