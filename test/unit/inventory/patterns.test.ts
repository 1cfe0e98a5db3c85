// Host patterns for play `hosts:` and --limit, per Ansible's "Patterns: targeting hosts and groups".
import t from 'tap';
import path from 'node:path';
import { EXIT } from '../../../engine/errors.js';
import { loadInventory } from '../../../engine/inventory/load.js';
import { selectHosts, selectHostsOrThrow, splitHostPattern } from '../../../engine/inventory/patterns.js';

const INV = `mail.example.com
[webservers]
foo.example.com
bar.example.com
web3.lab

[dbservers]
one.example.com
two.example.com
192.0.2.10

[staging]
bar.example.com
two.example.com

[phoenix]
foo.example.com
one.example.com

[prod:children]
webservers
dbservers
`;

t.test('host patterns', async (t) => {
  const dir = t.testdir({ 'inv.ini': INV, limit: 'two.example.com\n\n  mail.example.com \n# comment\n' });
  const inv = await loadInventory([path.join(dir, 'inv.ini')]);
  const all = ['mail.example.com', 'foo.example.com', 'bar.example.com', 'web3.lab', 'one.example.com', 'two.example.com', '192.0.2.10'];
  const cases: Array<[string, string[]]> = [
    ['all', all],
    ['*', all],
    ['foo.example.com', ['foo.example.com']],
    ['webservers', ['foo.example.com', 'bar.example.com', 'web3.lab']],
    ['prod', all.slice(1)],
    ['ungrouped', ['mail.example.com']],
    ['webservers:dbservers', ['foo.example.com', 'bar.example.com', 'web3.lab', 'one.example.com', 'two.example.com', '192.0.2.10']],
    ['dbservers,webservers', ['one.example.com', 'two.example.com', '192.0.2.10', 'foo.example.com', 'bar.example.com', 'web3.lab']],
    ['webservers:!phoenix', ['bar.example.com', 'web3.lab']],
    ['webservers:&staging', ['bar.example.com']],
    ['webservers:dbservers:&staging:!phoenix', ['bar.example.com', 'two.example.com']],
    ['!phoenix:&staging:webservers:dbservers', ['bar.example.com', 'two.example.com']],
    ['!phoenix', ['mail.example.com', 'bar.example.com', 'web3.lab', 'two.example.com', '192.0.2.10']],
    ['&staging', ['bar.example.com', 'two.example.com']],
    ['*.lab', ['web3.lab']],
    ['web*', ['foo.example.com', 'bar.example.com', 'web3.lab']],
    ['192.0.*', ['192.0.2.10']],
    ['one*.com:dbservers', ['one.example.com', 'two.example.com', '192.0.2.10']],
    ['*.example.com:!*servers', ['mail.example.com']],
    ['~(foo|bar)\\.example', ['foo.example.com', 'bar.example.com']],
    ['~example', []],
    ['~.*example', ['mail.example.com', 'foo.example.com', 'bar.example.com', 'one.example.com', 'two.example.com']],
    ['webservers[0]', ['foo.example.com']],
    ['webservers[-1]', ['web3.lab']],
    ['webservers[0:1]', ['foo.example.com', 'bar.example.com']],
    ['webservers[1:]', ['bar.example.com', 'web3.lab']],
    ['webservers[:1]', ['foo.example.com', 'bar.example.com']],
    ['webservers[0]:dbservers[-1]', ['foo.example.com', '192.0.2.10']],
    ['nosuch', []],
    ['webservers:nosuch', ['foo.example.com', 'bar.example.com', 'web3.lab']],
    [`@${path.join(dir, 'limit')}`, ['two.example.com', 'mail.example.com']],
    [`webservers,@${path.join(dir, 'limit')}`, ['foo.example.com', 'bar.example.com', 'web3.lab', 'two.example.com', 'mail.example.com']],
  ];
  for (const [pattern, expected] of cases) t.same(selectHosts(inv, pattern), expected, pattern);
});

t.test('splitting keeps ranges, subscripts and IPv6 addresses whole', async (t) => {
  t.same(splitHostPattern('web[01:10]:db'), ['web[01:10]', 'db']);
  t.same(splitHostPattern('a:b,c'), ['a', 'b', 'c']);
  t.same(splitHostPattern('g[1:3]:!x:&y'), ['g[1:3]', '!x', '&y']);
  t.same(splitHostPattern('fe80::1'), ['fe80::1']);
  t.same(splitHostPattern(' a , b '), ['a', 'b']);
});

t.test('a limit that matches nothing is an OptionsError listing the known hosts', async (t) => {
  const inv = await loadInventory(['h1,h2,']);
  t.throws(() => selectHostsOrThrow(inv, 'web*'), {
    name: 'OptionsError',
    exitCode: EXIT.ERROR,
    message: "limit 'web*' matches no hosts (known hosts: h1, h2)",
  });
  t.same(selectHostsOrThrow(inv, 'h2'), ['h2']);
  t.throws(() => selectHosts(inv, 'all[5]'), { name: 'OptionsError', message: /index 5 is out of range/ });
  t.throws(() => selectHosts(inv, '~('), { name: 'OptionsError', message: /invalid regular expression/ });
  t.throws(() => selectHosts(inv, '@/nonexistent/limit'), { name: 'OptionsError', message: /limit file \/nonexistent\/limit/ });
});
