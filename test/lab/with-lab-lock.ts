/**
 * Runs a command while holding the lab lock (lockLab()), so tests that change guests or resize the
 * lab wait for it: `npx tsx test/lab/with-lab-lock.ts -- bash test/lab/lab-up.sh`. Exits with the
 * command's exit code.
 */
import { spawn } from 'node:child_process';
import { lockLab } from './lab.js';

const argv = process.argv.slice(2);
if (argv[0] === '--') argv.shift();
const [cmd, ...args] = argv;
if (cmd === undefined) {
  process.stderr.write('usage: with-lab-lock.ts [--] COMMAND [ARG...]\n');
  process.exit(2);
}
const waitStart = Date.now();
const release = await lockLab();
process.stderr.write(`lab lock taken after ${((Date.now() - waitStart) / 1000).toFixed(1)} s\n`);
const child = spawn(cmd, args, { stdio: 'inherit' });
const code = await new Promise<number>((resolve) => {
  child.on('error', (err) => {
    process.stderr.write(`${String(err)}\n`);
    resolve(127);
  });
  child.on('close', (c, signal) => resolve(c ?? (signal ? 128 : 1)));
});
release();
process.exit(code);
