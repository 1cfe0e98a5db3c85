// The examples of Ansible's inventory guide ("How to build your inventory") and of the ini
// plugin's documentation, in both formats: both formats must give the same inventory.
import t from 'tap';
import { fileURLToPath } from 'node:url';
import { hostVars } from '../../../engine/inventory/host-vars.js';
import { loadInventory } from '../../../engine/inventory/load.js';
import { selectHosts } from '../../../engine/inventory/patterns.js';
import type { Inventory } from '../../../engine/types.js';

const fx = (name: string) => fileURLToPath(new URL(`../../fixtures/inventory/docs/${name}`, import.meta.url));

function shape(inv: Inventory) {
  const groups: Record<string, { hosts: string[]; children: string[] }> = {};
  for (const g of inv.groups.values()) groups[g.name] = { hosts: [...g.hosts].sort(), children: [...g.children].sort() };
  return { hosts: [...inv.hosts.keys()], groups };
}

t.test('basic INI and YAML: webservers, dbservers, an ungrouped host', async (t) => {
  for (const f of ['hosts.ini', 'hosts.yml']) {
    const inv = await loadInventory([fx(f)]);
    t.same([...inv.hosts.keys()], ['mail.example.com', 'foo.example.com', 'bar.example.com', 'one.example.com', 'two.example.com', 'three.example.com'], f);
    t.same(inv.groups.get('webservers')?.hosts, ['foo.example.com', 'bar.example.com'], f);
    t.same(inv.groups.get('ungrouped')?.hosts, ['mail.example.com'], f);
    t.same(inv.hosts.get('foo.example.com')?.groups, ['webservers'], f);
    t.same(selectHosts(inv, 'all').length, 6, f);
    t.same(hostVars(inv, 'mail.example.com').group_names, ['ungrouped'], `${f}: ungrouped host, as Ansible reports it`);
    t.same(hostVars(inv, 'foo.example.com').group_names, ['webservers'], f);
  }
});

t.test('groups of groups: atlanta/raleigh under southeast under usa', async (t) => {
  const ini = await loadInventory([fx('children.ini')]);
  const yml = await loadInventory([fx('children.yml')]);
  t.same(shape(ini), shape(yml), 'INI and YAML give the same inventory');
  t.same(ini.groups.get('southeast')?.children, ['atlanta', 'raleigh']);
  t.same(ini.groups.get('usa')?.children, ['southeast', 'northeast', 'southwest', 'northwest']);
  t.same(ini.groups.get('all')?.children, ['ungrouped', 'usa'], 'only top-level groups hang under all');
  t.same(selectHosts(ini, 'usa'), ['host1', 'host2', 'host3']);
  t.same(selectHosts(ini, 'northeast'), [], 'a child group named but never defined exists, empty');
  t.same(ini.groups.get('ungrouped')?.hosts, []);
  for (const inv of [ini, yml]) {
    const v = hostVars(inv, 'host2');
    t.equal(v.some_server, 'foo.southeast.example.com');
    t.equal(v.halon_system_timeout, 30, 'INI :vars numbers are literals, as in Ansible');
    t.equal(v.escape_pods, 2);
    t.same(v.group_names, ['atlanta', 'raleigh', 'southeast', 'usa']);
    t.same((v.groups as Record<string, string[]>).southeast, ['host1', 'host2', 'host3']);
  }
});

t.test('ranges: www[01:50], db-[a:f], www[01:50:2]', async (t) => {
  for (const f of ['ranges.ini', 'ranges.yml']) {
    const inv = await loadInventory([fx(f)]);
    const web = inv.groups.get('webservers')!.hosts;
    t.equal(web.length, 50, f);
    t.equal(web[0], 'www01.example.com');
    t.equal(web[49], 'www50.example.com');
    t.same(inv.groups.get('databases')?.hosts, [
      'db-a.example.com',
      'db-b.example.com',
      'db-c.example.com',
      'db-d.example.com',
      'db-e.example.com',
      'db-f.example.com',
    ]);
    const odd = inv.groups.get('odd')!.hosts;
    t.equal(odd.length, 25);
    t.same(odd.slice(0, 3), ['www01.example.com', 'www03.example.com', 'www05.example.com']);
    t.equal(odd[24], 'www49.example.com');
  }
});

t.test('host variables, aliases, ports and connection variables', async (t) => {
  for (const f of ['host-vars.ini', 'host-vars.yml']) {
    const inv = await loadInventory([fx(f)]);
    const h1 = hostVars(inv, 'host1');
    t.equal(h1.http_port, 80, `${f}: inline INI numbers are ints`);
    t.equal(h1.maxRequestsPerChild, 808);
    t.equal(hostVars(inv, 'host2').http_port, 303);
    const j = hostVars(inv, 'jumper');
    t.equal(j.ansible_port, 5555);
    t.equal(j.ansible_host, '192.0.2.50');
    t.equal(hostVars(inv, 'badwolf.example.com').ansible_port, 5309, 'host:port sets ansible_port');
    t.ok(inv.hosts.has('badwolf.example.com'));
    t.equal(j.libvirt_uri, 'qemu:///system', 'libvirt_uri defaults to qemu:///system');
  }
  const inv = await loadInventory([fx('host-vars.ini')]);
  t.equal(hostVars(inv, 'localhost').ansible_connection, 'local');
  t.equal(hostVars(inv, 'other2.example.com').ansible_user, 'myotheruser');
  t.equal(hostVars(inv, 'other1.example.com').inventory_hostname_short, 'other1');
  t.equal(hostVars(inv, 'other1.example.com').inventory_file, fx('host-vars.ini'));
  t.equal(hostVars(inv, 'other1.example.com').inventory_dir, fx('').replace(/\/$/, ''));
});

t.test('group variables', async (t) => {
  for (const f of ['group-vars.ini', 'group-vars.yml']) {
    const inv = await loadInventory([fx(f)]);
    t.same(inv.groups.get('atlanta')?.vars, { ntp_server: 'ntp.atlanta.example.com', proxy: 'proxy.atlanta.example.com' }, f);
    t.equal(hostVars(inv, 'host2').proxy, 'proxy.atlanta.example.com');
  }
});

t.test("the ini plugin's own example: literal values, quoting, child groups override parents", async (t) => {
  const inv = await loadInventory([fx('ini-plugin-example.ini')]);
  t.same([...inv.hosts.keys()], ['host1', 'host2', 'tomcat1', 'tomcat2', 'tomcat3', 'jenkins1']);
  t.equal(hostVars(inv, 'host2').ansible_port, 222);
  t.equal(hostVars(inv, 'host1').http_port, 8080);
  t.equal(hostVars(inv, 'tomcat1').myvar, 23, 'group var (literal_eval: a number)');
  t.equal(hostVars(inv, 'tomcat2').myvar, 34, 'host var beats group var');
  t.equal(hostVars(inv, 'tomcat3').mysecret, '03#pa33w0rd', 'quoted value keeps its # and leading 0');
  t.equal(hostVars(inv, 'jenkins1').has_java, true, 'child group beats all');
  t.equal(hostVars(inv, 'tomcat1').has_java, false);
  t.same(selectHosts(inv, 'web'), ['host1', 'host2', 'tomcat1', 'tomcat2', 'tomcat3', 'jenkins1']);
});

t.test('ansible_group_priority: the guide example', async (t) => {
  const inv = await loadInventory([fx('priority.yml')]);
  t.equal(hostVars(inv, 'testhost').testvar, 'a', 'a_group has priority 10 over b_group');
  inv.groups.get('a_group')!.vars.ansible_group_priority = 1;
  const fresh = { ...inv };
  t.equal(hostVars(fresh, 'testhost').testvar, 'b', 'same priority: alphabetical, b last');
});
