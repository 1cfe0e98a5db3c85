// Bad inventories: each error is an InputError (exit 6) at the exact file:line:col, saying what
// was expected.
import t from 'tap';
import path from 'node:path';
import { EXIT } from '../../../engine/errors.js';
import { loadInventory } from '../../../engine/inventory/load.js';

const cases: Array<[string, string, string]> = [
  // YAML: schema violations, at the offending node
  ['list.yml', 'all:\n  children:\n    web:\n      hosts:\n        - h1\n', "5:9: hosts of group 'web' must be a mapping of host names, got a list"],
  ['extra.yml', 'all:\n  hostz:\n    h1:\n', "2:3: group 'all' has an unexpected key 'hostz' (expected one of: hosts, vars, children)"],
  ['hostvars.yml', 'all:\n  hosts:\n    h1: [a]\n', "3:9: host 'h1' in group 'all' must be a mapping of the host's variables (or empty), got a list"],
  ['vars.yml', 'all:\n  vars: just a string\n', 'vars of group \'all\' must be a mapping of variable names to values, got the string "just a string"'],
  ['top.yml', '- a\n- b\n', "1:1: the inventory must be a mapping of group names (usually just 'all') to group definitions, got a list"],
  [
    'group.yml',
    'all:\n  children:\n    web: [h1]\n',
    "3:10: group 'web' must be a group definition (a mapping with hosts, vars and/or children, or empty), got a list",
  ],
  [
    'childvars.yml',
    'all:\n  children:\n    web:\n      children:\n        app:\n          vars: 3\n',
    "6:17: vars of group 'app' must be a mapping of variable names to values, got the number 3",
  ],
  // YAML: syntax, duplicates, ranges, cycles
  ['dup.yml', 'all:\n  hosts:\n    h1:\n    h2:\n    h1:\n', "5:5: duplicate key 'h1' (first defined at line 3, column 5)"],
  ['syntax.yml', 'all:\n  hosts: {a: 1\n  vars:\n', '2:10: YAML syntax error:'],
  ['tab.yml', 'all:\n\thosts:\n', '2:1: YAML syntax error:'],
  ['range.yml', 'all:\n  hosts:\n    "web[01:1]":\n', "3:5: host range '[01:1]' must use equal-length begin and end when zero-padded"],
  ['cycle.yml', 'all:\n  children:\n    a:\n      children:\n        b:\n          children:\n            a:\n', '5:9: group cycle: a -> b -> a'],
  // INI
  ['section.ini', '[web]\nh1\n\n[web servers]\nh2\n', "4:1: invalid section header '[web servers]': expected [group], [group:vars] or [group:children]"],
  ['type.ini', '[web]\nh1\n[web:hostz]\nh2\n', "3:6: section [web:hostz] has unknown type 'hostz' (expected [web], [web:vars] or [web:children])"],
  ['novalue.ini', '[web]\n  h1 ansible_port=22 oops\n', "2:22: expected key=value host variable after the host name, got 'oops'"],
  ['quote.ini', '[web]\nh1 a="unclosed\n', '2:6: cannot parse host line: no closing quotation'],
  ['badrange.ini', '# ranges\n[web]\nh[1:x]\n', "3:1: host range '[1:x]' bounds must be numbers or single letters"],
  ['backwards.ini', '[web]\n  web[9:1] x=1\n', "2:3: host range '[9:1]' must have begin <= end"],
  ['step.ini', '[web]\nweb[1:9:0]\n', "2:1: host range step must be a positive integer, got '0'"],
  ['undefvars.ini', '[web]\nh1\n[db:vars]\nx=1\n', "3:1: section [db:vars] is for group 'db', which no [db] or [db:children] section declares"],
  ['varsline.ini', '[web]\nh1\n[web:vars]\n; comment\njustakey\n', "5:1: expected key=value in [web:vars], got 'justakey'"],
  ['children.ini', '[web]\nh1\n[p:children]\nweb extra\n', "4:1: expected a group name in [p:children], got 'web extra'"],
  ['cycle.ini', '[a:children]\nb\n[b:children]\nc\n[c:children]\na\n', '6:1: group cycle: c -> a -> b -> c'],
  ['selfcycle.ini', '[a]\nh\n[a:children]\na\n', '4:1: group cycle: a -> a'],
  ['port.ini', 'h1:\n', "1:1: invalid host pattern 'h1:': a trailing ':' is reserved for a port"],
  ['yamlish.ini', '---\n', "1:1: '---' is not a host name: is this a YAML file? (name it .yml or .yaml)"],
];

t.test('each bad inventory fails at the right line:col', async (t) => {
  const files = Object.fromEntries(cases.map(([name, text]) => [name, text]));
  const dir = t.testdir(files);
  for (const [name, , expected] of cases) {
    const file = path.join(dir, name);
    const err = await loadInventory([file]).then(
      () => undefined,
      (e: unknown) => e as { name: string; exitCode: number; message: string },
    );
    if (!err) {
      t.fail(`${name}: no error`);
      continue;
    }
    t.equal(err.name, 'InputError', name);
    t.equal(err.exitCode, EXIT.BAD_INPUT, name);
    if (/^\d+:\d+:/.test(expected)) t.ok(err.message.startsWith(`${file}:${expected}`), `${name}: ${err.message}`);
    else t.match(err.message, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `), name);
    t.ok(err.message.includes(expected.replace(/^\d+:\d+: /, '')), `${name}: says ${expected}`);
  }
});

t.test('an error in the second of several sources names that file', async (t) => {
  const dir = t.testdir({ 'ok.ini': '[web]\nh1\n', 'bad.ini': '[web]\nh2\n[web:nope]\n' });
  await t.rejects(loadInventory([path.join(dir, 'ok.ini'), path.join(dir, 'bad.ini')]), {
    message: `${path.join(dir, 'bad.ini')}:3:6: section [web:nope] has unknown type 'nope' (expected [web], [web:vars] or [web:children])`,
  });
});

t.test('a cycle across two sources is found too', async (t) => {
  const dir = t.testdir({ 'a.ini': '[a:children]\nb\n[b]\n', 'b.yml': 'b:\n  children:\n    a:\n' });
  await t.rejects(loadInventory([path.join(dir, 'a.ini'), path.join(dir, 'b.yml')]), {
    message: `${path.join(dir, 'b.yml')}:3:5: group cycle: b -> a -> b`,
  });
});
