// Builds the dashboard into ../wwwroot/app/ (build output, git-ignored). Run by the service's MSBuild target; by hand:
//
//   node build.mjs install   npm ci, when node_modules is missing or older than package-lock.json
//   node build.mjs bundle    esbuild: src/app.js -> ../wwwroot/app/app.js, src/checkin.js -> ../wwwroot/app/checkin.js (+ maps, uplot.css)
//   node build.mjs watch     bundle again on every change (development)
//
// Several builds may run at once (dotnet test builds the service for each test project, IDEs build in the
// background): install and bundle take a lock folder, install checks again inside it, and outputs are written to
// a temporary file and renamed, so a reader never sees half a file.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.resolve(here, '..', 'wwwroot', 'app');
const lockDir = path.join(here, '.build-lock');
const lockFile = path.join(here, 'package-lock.json');
const installedLockFile = path.join(here, 'node_modules', '.package-lock.json');
const lockTimeoutMs = 10 * 60 * 1000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/** Takes the lock folder (mkdir is atomic), waiting for another build; a lock left by a dead process is taken over. */
async function withLock(action) {
  const started = Date.now();
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'owner'), `${process.pid} ${os.hostname()}\n`);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const [pid, host] = readOwner();
      const ageMs = lockAgeMs();
      if ((host === os.hostname() && pid && !processAlive(pid)) || ageMs > lockTimeoutMs || (!pid && ageMs > 5000)) {
        console.log(`dashboard: removing a stale build lock (${pid || 'no owner'})`);
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() - started > lockTimeoutMs) {
        throw new Error(`another dashboard build holds ${lockDir}; remove it if no build is running`);
      }
      await sleep(250);
    }
  }
  try {
    return await action();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

function readOwner() {
  try {
    const [pid, host] = fs.readFileSync(path.join(lockDir, 'owner'), 'utf8').trim().split(' ');
    return [Number(pid), host];
  } catch {
    return [0, ''];
  }
}

function lockAgeMs() {
  try {
    return Date.now() - fs.statSync(lockDir).mtimeMs;
  } catch {
    return 0;
  }
}

function installNeeded() {
  if (!fs.existsSync(installedLockFile)) return true;
  return fs.statSync(installedLockFile).mtimeMs < fs.statSync(lockFile).mtimeMs;
}

async function install() {
  await withLock(async () => {
    if (!installNeeded()) {
      console.log('dashboard: node_modules is up to date');
      return;
    }
    console.log('dashboard: npm ci');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], {
      cwd: here,
      stdio: 'inherit',
      shell: process.platform === 'win32',
    });
    if (result.error) throw new Error(`could not run npm (is Node.js installed?): ${result.error.message}`);
    if (result.status !== 0) throw new Error(`npm ci exited with ${result.status}`);
    // npm leaves the hidden lockfile's time alone when nothing changed; the build compares it with package-lock.json.
    const now = new Date();
    fs.utimesSync(installedLockFile, now, now);
  });
}

function writeAtomically(file, contents) {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, contents);
  fs.renameSync(temporary, file);
}

async function esbuildOptions() {
  return {
    absWorkingDir: here,
    // The dashboard, and the patient and caregiver check-in page (issue 17: /checkin/, no hospital account).
    entryPoints: ['src/app.js', 'src/checkin.js'],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    sourcemap: 'linked',
    legalComments: 'eof',
    outdir: outDir,
    entryNames: '[name]',
    logLevel: 'warning',
  };
}

function copyUplotCss() {
  const css = fs.readFileSync(path.join(here, 'node_modules', 'uplot', 'dist', 'uPlot.min.css'));
  writeAtomically(path.join(outDir, 'uplot.css'), css);
}

async function bundle() {
  const esbuild = await import('esbuild');
  await withLock(async () => {
    fs.mkdirSync(outDir, { recursive: true });
    const result = await esbuild.build({ ...(await esbuildOptions()), write: false });
    // Maps first, then checkin.js, app.js last: app.js is the build's incrementality marker (MSBuild Outputs).
    const rank = (f) => (f.path.endsWith('.map') ? 0 : f.path.endsWith(`${path.sep}app.js`) ? 2 : 1);
    const files = [...result.outputFiles].sort((a, b) => rank(a) - rank(b));
    copyUplotCss();
    for (const file of files) writeAtomically(file.path, file.contents);
    const size = (name) => Math.round((files.find((f) => f.path.endsWith(`${path.sep}${name}`))?.contents.length ?? 0) / 1024);
    console.log(`dashboard: wrote ${path.relative(process.cwd(), outDir)}/app.js (${size('app.js')} KiB), checkin.js (${size('checkin.js')} KiB) and uplot.css`);
  });
}

async function watch() {
  const esbuild = await import('esbuild');
  fs.mkdirSync(outDir, { recursive: true });
  copyUplotCss();
  const context = await esbuild.context({ ...(await esbuildOptions()), minify: false, logLevel: 'info' });
  await context.watch();
  console.log('dashboard: watching src/ (Ctrl+C to stop)');
}

const command = process.argv[2] ?? 'bundle';
const commands = { install, bundle, watch };
if (!commands[command]) {
  console.error(`usage: node build.mjs [${Object.keys(commands).join('|')}]`);
  process.exit(2);
}
try {
  await commands[command]();
} catch (e) {
  // MSBuild's Exec shows lines starting with "error" as build errors.
  console.error(`error : dashboard ${command}: ${e.message}`);
  process.exit(1);
}
