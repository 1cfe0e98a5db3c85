/**
 * The stand-in guest from the command line, for `npm run demo`:
 *   node --import=tsx test/lab/standin-cli.ts define HOST NAME [--personality P] [--iso V]
 * builds it if needed, (re)defines it on the lab host (shut off, Windows-era: IDE disk, e1000) and
 * prints the path of its driver ISO on that host;
 *   node --import=tsx test/lab/standin-cli.ts boot-lines HOST NAME
 * prints the status lines it wrote on its serial console.
 */
import { buildStandin, defineStandin, removeStandin, serialLines, type Standin, type StandinOptions } from './standin.js';
import { labHost } from './lab.js';
import { join } from 'node:path';

const [cmd, host, name, ...rest] = process.argv.slice(2);
const opt = (flag: string) => {
  const i = rest.indexOf(flag);
  return i >= 0 ? rest[i + 1] : undefined;
};
if (!cmd || !host || !name) {
  console.error('usage: standin-cli.ts define|boot-lines HOST NAME [--personality linux|win2k8r2|win2k16] [--iso signed|unsigned|nofolder]');
  process.exit(2);
}
const dir = join(labHost(host).home, `standin-${name}`);
const stub: Standin = { host, name, dir, disk: join(dir, 'boot.img'), iso: join(dir, 'virtio-win.iso'), serial: join(dir, 'serial.log') };
if (cmd === 'define') {
  await buildStandin();
  await removeStandin(stub);
  const s = await defineStandin(host, name, {
    personality: (opt('--personality') ?? 'win2k8r2') as StandinOptions['personality'],
    iso: (opt('--iso') ?? 'signed') as StandinOptions['iso'],
  });
  console.log(s.iso);
} else if (cmd === 'boot-lines') {
  for (const l of serialLines(stub)) console.log(l);
} else {
  console.error(`unknown command ${cmd}`);
  process.exit(2);
}
