import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../../engine/errors.js';
import { expandTokens, resolveSshOptions } from '../../../engine/connection/ssh-config.js';
import { connectionKind } from '../../../engine/connection/open.js';

const dir = mkdtempSync(join(tmpdir(), 'virtplay-sshcfg-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const cfg = join(dir, 'config');
writeFileSync(
  cfg,
  `# test config
Host kvm-*
  HostName %h.lab.example
  User admin
  Port 2200
  IdentityFile ~/.ssh/lab_%h_%r
  UserKnownHostsFile ~/lab_known_hosts /etc/lab_known_hosts2
  ConnectTimeout 3
  ServerAliveInterval 15
  ServerAliveCountMax 2

Host loose
  StrictHostKeyChecking no

Host newish
  StrictHostKeyChecking accept-new
  IdentityAgent none

Host *
  IdentityFile ~/.ssh/common
  User fallback
`,
);
const missing = join(dir, 'no-such-config');

t.test('ssh_config fills in what the inventory leaves out', async (t) => {
  const o = resolveSshOptions('kvm-1', {}, {}, cfg);
  t.equal(o.address, 'kvm-1.lab.example', 'HostName with %h');
  t.equal(o.user, 'admin', 'first value wins');
  t.equal(o.port, 2200);
  t.same(o.privateKeyFiles, [join(homedir(), '.ssh/lab_kvm-1.lab.example_admin'), join(homedir(), '.ssh/common')]);
  t.same(o.knownHostsFiles, [join(homedir(), 'lab_known_hosts'), '/etc/lab_known_hosts2']);
  t.equal(o.connectTimeoutMs, 3000);
  t.equal(o.keepaliveIntervalMs, 15000);
  t.equal(o.keepaliveCountMax, 2);
  t.equal(o.hostKeyPolicy, 'strict');
  t.same(o.warnings, []);
});

t.test('Host patterns match ansible_host, not the inventory name', async (t) => {
  const o = resolveSshOptions('inventory-name', { ansible_host: 'kvm-7' }, {}, cfg);
  t.equal(o.host, 'inventory-name');
  t.equal(o.address, 'kvm-7.lab.example');
  const p = resolveSshOptions('kvm-1', { ansible_host: '10.1.1.1' }, {}, cfg);
  t.equal(p.address, '10.1.1.1');
  t.equal(p.user, 'fallback');
  t.equal(p.port, 22);
});

t.test('precedence: inventory vars > command line > ssh_config > defaults', async (t) => {
  const vars = {
    ansible_host: 'kvm-2',
    ansible_user: 'inv',
    ansible_port: '2345',
    ansible_ssh_private_key_file: '~/inv_key',
    virtplay_known_hosts_file: '/lab/known_hosts',
    ansible_timeout: 7,
  };
  const cli = { user: 'cli', privateKeyFile: '/cli_key', knownHostsFile: '/cli_kh', connectTimeoutMs: 1000 };
  const o = resolveSshOptions('h', vars, cli, cfg);
  t.equal(o.user, 'inv');
  t.equal(o.port, 2345);
  t.equal(o.privateKeyFiles?.[0], join(homedir(), 'inv_key'), "the inventory's key first");
  t.equal(o.privateKeyFiles?.[1], join(homedir(), '.ssh/lab_kvm-2.lab.example_inv'), "then ssh_config's");
  t.same(o.knownHostsFiles, ['/lab/known_hosts']);
  t.equal(o.connectTimeoutMs, 7000);
  const c = resolveSshOptions('h', { ansible_host: 'kvm-2' }, cli, cfg);
  t.equal(c.user, 'cli');
  t.equal(c.privateKeyFiles?.[0], '/cli_key');
  t.same(c.knownHostsFiles, ['/cli_kh']);
  t.equal(c.connectTimeoutMs, 1000);
  const d = resolveSshOptions('plain', {}, {}, missing);
  t.equal(d.user, userInfo().username);
  t.equal(d.port, 22);
  t.equal(d.address, 'plain');
  t.equal(d.privateKeyFiles, undefined, 'OpenSSH default keys');
  t.same(d.knownHostsFiles, [join(homedir(), '.ssh/known_hosts')]);
  t.equal(d.connectTimeoutMs, 10000);
  t.equal(d.hostKeyPolicy, 'strict');
});

t.test('host key checking: yes/accept-new honoured, no becomes accept-new with a warning', async (t) => {
  const loose = resolveSshOptions('loose', {}, {}, cfg);
  t.equal(loose.hostKeyPolicy, 'accept-new');
  t.match(loose.warnings[0], /StrictHostKeyChecking no .* treated as accept-new/);
  const newish = resolveSshOptions('newish', {}, {}, cfg);
  t.equal(newish.hostKeyPolicy, 'accept-new');
  t.same(newish.warnings, []);
  t.equal(newish.agent, false, 'IdentityAgent none');
  t.equal(resolveSshOptions('x', {}, { acceptNewHostKeys: true }, missing).hostKeyPolicy, 'accept-new');
  const off = resolveSshOptions('x', { ansible_host_key_checking: 'False' }, {}, missing);
  t.equal(off.hostKeyPolicy, 'accept-new');
  t.equal(off.warnings.length, 1);
});

t.test('bad values are input errors naming the host or the file', async (t) => {
  t.throws(() => resolveSshOptions('h', { ansible_port: 'ssh' }, {}, missing), InputError);
  t.throws(() => resolveSshOptions('h', { ansible_port: 70000 }, {}, missing), /host h: ansible_port must be a port number/);
  const bad = join(dir, 'bad');
  writeFileSync(bad, 'Host *\n  Port twenty\n');
  t.throws(() => resolveSshOptions('h', {}, {}, bad), { message: new RegExp(`^${bad}: Port for h must be a port number`) });
  t.throws(() => resolveSshOptions('h', { ansible_user: ['x'] }, {}, missing), /ansible_user must be a string/);
});

t.test('tokens', async (t) => {
  t.equal(expandTokens('%h:%p:%r:%n:%%h', { h: 'a', p: 22, r: 'u', n: 'orig' }), 'a:22:u:orig:%h');
  t.equal(expandTokens('%d/%u', { h: '', p: 0, r: '', n: '' }), `${homedir()}/${userInfo().username}`);
});

t.test('connection kind: ansible_connection, implicit localhost', async (t) => {
  t.equal(connectionKind('localhost', {}), 'local');
  t.equal(connectionKind('localhost', { ansible_host: '127.0.0.1' }), 'ssh');
  t.equal(connectionKind('localhost', { ansible_connection: 'ssh' }), 'ssh');
  t.equal(connectionKind('kvm1', {}), 'ssh');
  t.equal(connectionKind('kvm1', { ansible_connection: 'local' }), 'local');
  t.equal(connectionKind('kvm1', { ansible_connection: 'smart' }), 'ssh');
  t.throws(() => connectionKind('win', { ansible_connection: 'winrm' }), { message: /host win: ansible_connection "winrm" is not supported/ });
});
