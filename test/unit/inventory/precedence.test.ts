// Ansible's variable precedence for inventory variables, and group_vars/ + host_vars/ directories.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostVars, sortedHostGroups } from '../../../engine/inventory/host-vars.js';
import { loadInventory } from '../../../engine/inventory/load.js';
import { loadVarsDirs } from '../../../engine/inventory/vars-dirs.js';

const fx = (p: string) => fileURLToPath(new URL(`../../fixtures/inventory/${p}`, import.meta.url));

async function inline(t: { testdir: (f: Record<string, string>) => string }, name: string, text: string) {
  const dir = t.testdir({ [name]: text });
  return loadInventory([path.join(dir, name)]);
}

t.test('all < parent < child < host, by depth not by name', async (t) => {
  const inv = await inline(
    t,
    'inv.ini',
    `[zparent:children]
achild
[achild]
h1 v_host=host
[other]
h1
[all:vars]
v=all
v_host=all
[zparent:vars]
v=zparent
v_parent=zparent
[achild:vars]
v=achild
[other:vars]
v_parent=other
`,
  );
  const v = hostVars(inv, 'h1');
  t.same(sortedHostGroups(inv, 'h1'), ['other', 'zparent', 'achild'], 'depth 1 groups (alphabetical) then depth 2');
  t.equal(v.v, 'achild', 'the deepest group wins over its parent though its name sorts first');
  t.equal(v.v_parent, 'zparent', 'same depth: alphabetical, the later name wins');
  t.equal(v.v_host, 'host', 'host vars beat every group');
});

t.test('ansible_group_priority beats the name, not the depth', async (t) => {
  const inv = await inline(
    t,
    'inv.yml',
    `all:
  children:
    a:
      vars: { x: a, ansible_group_priority: 5 }
      hosts: { h: }
    b:
      vars: { x: b }
      hosts: { h: }
    p:
      children:
        deep:
          vars: { y: deep }
          hosts: { h: }
      vars: { y: p, ansible_group_priority: 99 }
`,
  );
  const v = hostVars(inv, 'h');
  t.equal(v.x, 'a');
  t.equal(v.y, 'deep', 'a child beats its parent whatever the parent priority');
});

t.test('group_vars/ and host_vars/ beside the inventory, then beside the playbook', async (t) => {
  const inv = await loadInventory([fx('varsdirs/inventory/hosts.ini')]);
  let v = hostVars(inv, 'web1');
  t.equal(v.level, 'gv-all', "group_vars/all (a file) beats [web:vars] (the inventory source), Ansible's order");
  t.equal(v.ntp, 'web-b', 'group_vars/web/ directory: files in sorted order, web (depth 2) over prod (depth 1)');
  t.equal(v.extra, 1);
  t.equal(v.env, 'prod', 'group_vars/prod.json');
  t.equal(v.from_all_file, true, 'YAML 1.1 yes is true');
  t.equal(v.role, 'host_vars', 'host_vars/web1.yml beats the inline host var');
  t.equal(hostVars(inv, 'db1').dbname, 'inventory', 'host_vars/db1 without extension');
  t.equal(hostVars(inv, 'db1').ntp, 'prod');
  t.notOk('whatever' in v, 'group_vars for a group not in the inventory is not read');
  t.equal(inv.groups.get('web')?.vars.level, 'inventory-web', 'group.vars keeps the inventory-source vars');

  await loadVarsDirs(fx('varsdirs/playbook'), inv);
  v = hostVars(inv, 'web1');
  t.equal(v.ntp, 'playbook-web', 'playbook group_vars/ beats inventory group_vars/');
  t.equal(v.role, 'playbook', 'playbook host_vars/ beats inventory host_vars/');
  t.equal(hostVars(inv, 'web2').role, undefined);
});

t.test('a bad vars file is an InputError with its position', async (t) => {
  const dir = t.testdir({
    'hosts.yml': 'all:\n  hosts:\n    h1:\n',
    host_vars: { 'h1.yml': '- a\n- b\n' },
    group_vars: { 'all.yml': 'x: 1\ny:\n  z: 1\n  z: 2\n' },
  });
  await t.rejects(loadInventory([path.join(dir, 'hosts.yml')]), {
    name: 'InputError',
    message: `${path.join(dir, 'group_vars', 'all.yml')}:4:3: duplicate key 'z' (first defined at line 3, column 3)`,
  });
  writeFileSync(path.join(dir, 'group_vars', 'all.yml'), 'x: 1\n');
  await t.rejects(loadInventory([path.join(dir, 'hosts.yml')]), {
    name: 'InputError',
    message: `${path.join(dir, 'host_vars', 'h1.yml')}:1:1: a vars file must be a mapping of variable names to values, got a list`,
  });
});

t.test('magic variables', async (t) => {
  const inv = await inline(t, 'inv.ini', '10.0.0.1\n[web]\nweb1.example.com\n');
  t.equal(hostVars(inv, '10.0.0.1').inventory_hostname_short, '10.0.0.1', 'an IP address is not shortened');
  const v = hostVars(inv, 'web1.example.com');
  t.equal(v.inventory_hostname, 'web1.example.com');
  t.equal(v.inventory_hostname_short, 'web1');
  t.same(v.group_names, ['web']);
  t.same(v.groups, { all: ['10.0.0.1', 'web1.example.com'], ungrouped: ['10.0.0.1'], web: ['web1.example.com'] });
  t.equal(v.libvirt_uri, 'qemu:///system');
  const inv2 = await inline(t, 'inv.ini', '[all:vars]\nlibvirt_uri=qemu:///session\n[web]\nw\n');
  t.equal(hostVars(inv2, 'w').libvirt_uri, 'qemu:///session', 'an inventory libvirt_uri wins over the default');
  t.throws(() => hostVars(inv2, 'nope'));
});

t.test('hostVars returns a copy: changing it does not change the inventory', async (t) => {
  const inv = await inline(t, 'inv.yml', 'all:\n  vars: { list: [1] }\n  hosts: { h: }\n');
  (hostVars(inv, 'h').list as number[]).push(2);
  t.same(hostVars(inv, 'h').list, [1]);
});
