// Prints the bin directory of the Node.js release line the Docker image runs (its `FROM node:<major>`),
// fetching the newest release of that line from the npm registry (node-<platform>-<arch>) on first use.
// CI runs the suite on it as well as on the machine's Node; `npm run bench` can measure on it:
//   PATH="$(npm run -s image-node):$PATH" npm run bench
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function fail(message) {
  console.error(`image-node: ${message}`);
  process.exit(1);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.status !== 0) fail(`${command} ${args.join(' ')} failed: ${result.stderr || result.error?.message}`);
  return result.stdout.trim();
}

const majors = [...fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8').matchAll(/^FROM node:(\d+)\b/gm)].map((m) => m[1]);
if (majors.length === 0 || new Set(majors).size !== 1) fail(`the Dockerfile's stages must all say FROM node:<one major>, found: ${majors.join(', ') || 'none'}`);
const major = majors[0];

const platform = process.platform === 'win32' ? 'win' : process.platform;
const pkg = `node-${platform}-${process.arch}`;
// The newest release of the line: `npm view` lists every matching version, oldest first.
const versions = JSON.parse(run('npm', ['view', `${pkg}@${major}`, 'version', '--json']));
const version = [versions].flat().at(-1);
if (!version) fail(`no ${pkg} release of Node ${major} on the registry`);

const dir = path.join(root, 'node_modules', '.cache', 'image-node', version);
const bin = path.join(dir, 'package', 'bin');
if (!fs.existsSync(path.join(bin, platform === 'win' ? 'node.exe' : 'node'))) {
  fs.mkdirSync(dir, { recursive: true });
  const tarball = run('npm', ['pack', `${pkg}@${version}`, '--silent', '--pack-destination', dir]).split('\n').at(-1);
  run('tar', ['-xzf', path.join(dir, tarball), '-C', dir]);
  fs.rmSync(path.join(dir, tarball));
}
console.log(bin);
