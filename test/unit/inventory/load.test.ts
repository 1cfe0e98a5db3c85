// Inventory sources: directories, several -i merged, comma-separated host lists, missing paths,
// and telling YAML from INI by content.
import t from 'tap';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT } from '../../../engine/errors.js';
import { hostVars } from '../../../engine/inventory/host-vars.js';
import { loadInventory } from '../../../engine/inventory/load.js';

const fx = (p: string) => fileURLToPath(new URL(`../../fixtures/inventory/${p}`, import.meta.url));

t.test('a directory: its files sorted, sub-directories too, ignored names skipped', async (t) => {
  const inv = await loadInventory([fx('dir')]);
  t.same([...inv.hosts.keys()], ['h1', 'h2', 'd1', 'h3', 's1']);
  t.same(inv.groups.get('web')?.hosts, ['h1', 'h2', 'h3'], 'web from the YAML file and the INI file merge');
  t.notOk(inv.groups.has('ignored'), '.ini files in an inventory directory are ignored, as Ansible does');
  t.equal(hostVars(inv, 'h3').color, 'blue', 'group_vars/ inside the directory');
  t.equal(hostVars(inv, 'd1').dbport, 5432, 'host_vars/ inside the directory');
  t.equal(hostVars(inv, 'd1').inventory_file, fx('dir/02-more'));
  t.equal(hostVars(inv, 's1').inventory_file, fx('dir/sub/03.yaml'));
});

t.test('several sources merge, in order', async (t) => {
  const inv = await loadInventory([fx('docs/hosts.ini'), fx('docs/children.yml'), fx('docs/group-vars.ini')]);
  t.ok(inv.hosts.has('mail.example.com') && inv.hosts.has('host3'));
  t.same(inv.groups.get('atlanta')?.hosts, ['host1', 'host2']);
  t.equal(hostVars(inv, 'host1').ntp_server, 'ntp.atlanta.example.com');
  t.equal(hostVars(inv, 'host1').inventory_file, fx('docs/children.yml'), 'inventory_file: the first source naming the host');
  t.match(inv.source, /hosts\.ini, .*children\.yml, .*group-vars\.ini$/);
});

t.test('a host in ungrouped in one source and in a group in another leaves ungrouped', async (t) => {
  const dir = t.testdir({ a: 'h1\nh2\n', b: '[g]\nh1\n' });
  const inv = await loadInventory([path.join(dir, 'a'), path.join(dir, 'b')]);
  t.same(inv.groups.get('ungrouped')?.hosts, ['h2']);
  t.same(inv.hosts.get('h1')?.groups, ['g']);
});

t.test('a comma-separated host list', async (t) => {
  const inv = await loadInventory(['web1,127.0.0.2:2222, [::1]:2200,fe80::1,']);
  t.same([...inv.hosts.keys()], ['web1', '127.0.0.2', '::1', 'fe80::1']);
  t.same(inv.groups.get('ungrouped')?.hosts, ['web1', '127.0.0.2', '::1', 'fe80::1']);
  t.equal(hostVars(inv, '127.0.0.2').ansible_port, 2222);
  t.equal(hostVars(inv, '::1').ansible_port, 2200);
  t.equal(hostVars(inv, 'fe80::1').ansible_port, undefined);
  t.equal(hostVars(inv, 'web1').inventory_dir, null);
  const single = await loadInventory(['localhost,']);
  t.same([...single.hosts.keys()], ['localhost']);
});

t.test('a missing source is an OptionsError (exit 5) naming the path', async (t) => {
  await t.rejects(loadInventory(['/nonexistent/inv.yml']), {
    name: 'OptionsError',
    exitCode: EXIT.BAD_OPTIONS,
    message: /the inventory \/nonexistent\/inv\.yml could not be found/,
  });
});

t.test('YAML or INI by content when the name does not tell', async (t) => {
  const dir = t.testdir({
    yamlish: 'all:\n  hosts:\n    y1:\n',
    iniish: 'h1:2222 a=1\n',
    plain: 'p1\np2\n',
    empty: '',
    'empty.yml': '# nothing\n',
  });
  const inv = await loadInventory(['yamlish', 'iniish', 'plain', 'empty', 'empty.yml'].map((f) => path.join(dir, f)));
  t.same([...inv.hosts.keys()], ['y1', 'h1', 'p1', 'p2']);
  t.equal(hostVars(inv, 'h1').ansible_port, 2222, '"h1:2222" is YAML but not a YAML inventory: read as INI');
});

t.test('YAML details: hosts given as one string, ports, ranges and yes/no', async (t) => {
  const dir = t.testdir({
    'inv.yaml': `all:
  vars:
    flag: yes
    octal: 0755
    name_no: "no"
  children:
    one:
      hosts: single
    ported:
      hosts:
        "db[1:2]:2222":
          role: db
`,
  });
  const inv = await loadInventory([path.join(dir, 'inv.yaml')]);
  t.same(inv.groups.get('one')?.hosts, ['single']);
  t.same(inv.groups.get('ported')?.hosts, ['db1', 'db2']);
  const v = hostVars(inv, 'db2');
  t.equal(v.ansible_port, 2222);
  t.equal(v.role, 'db');
  t.equal(v.flag, true);
  t.equal(v.octal, 493, 'YAML 1.1 octal, as PyYAML reads it');
  t.equal(v.name_no, 'no');
});
