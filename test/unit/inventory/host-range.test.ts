// Host ranges and ports in inventory host names, as Ansible's expand_hostname_range.
import t from 'tap';
import { expandHostPattern, expandHostRange } from '../../../engine/inventory/host-range.js';

t.test('numeric ranges, zero padding, stride', async (t) => {
  t.same(expandHostRange('web[1:3]'), ['web1', 'web2', 'web3']);
  t.same(expandHostRange('web[01:03].lab'), ['web01.lab', 'web02.lab', 'web03.lab']);
  t.same(expandHostRange('web[08:11]'), ['web08', 'web09', 'web10', 'web11']);
  t.same(expandHostRange('w[1:10:4]'), ['w1', 'w5', 'w9']);
  t.same(expandHostRange('w[:2]'), ['w0', 'w1', 'w2'], 'an empty begin is 0');
  t.same(expandHostRange('w[7:7]'), ['w7']);
});

t.test('letter ranges and several ranges in one name', async (t) => {
  t.same(expandHostRange('db-[a:c]'), ['db-a', 'db-b', 'db-c']);
  t.same(expandHostRange('x[a:e:2]'), ['xa', 'xc', 'xe']);
  t.same(expandHostRange('x[y:B]'), ['xy', 'xz', 'xA', 'xB'], 'a-z then A-Z, as string.ascii_letters');
  t.same(expandHostRange('r[1:2]-n[a:b]'), ['r1-na', 'r1-nb', 'r2-na', 'r2-nb']);
  t.same(expandHostRange('db[01:10:3]node-[01:02]').length, 8);
});

t.test('bad ranges say what is wrong', async (t) => {
  t.throws(() => expandHostRange('w[1]'), { message: "host range '[1]' must be begin:end or begin:end:step" });
  t.throws(() => expandHostRange('w[1:]'), { message: "host range '[1:]' must specify an end value" });
  t.throws(() => expandHostRange('w[01:100]'), { message: /equal-length/ });
  t.throws(() => expandHostRange('w[5:1]'), { message: /begin <= end/ });
  t.throws(() => expandHostRange('w[c:a]'), { message: /begin <= end/ });
  t.throws(() => expandHostRange('w[1:5'), { message: /no closing/ });
  t.throws(() => expandHostRange('w]'), { message: /unexpected '\]'/ });
  t.throws(() => expandHostRange('w[1:5:x]'), { message: /step must be a positive integer/ });
});

t.test('ports and IPv6', async (t) => {
  t.same(expandHostPattern('host:2222'), { names: ['host'], port: 2222 });
  t.same(expandHostPattern('192.0.2.1:22'), { names: ['192.0.2.1'], port: 22 });
  t.same(expandHostPattern('web[1:2]:22'), { names: ['web1', 'web2'], port: 22 });
  t.same(expandHostPattern('web[1:2]'), { names: ['web1', 'web2'], port: undefined });
  t.same(expandHostPattern('[2001:db8::1]:2200'), { names: ['2001:db8::1'], port: 2200 });
  t.same(expandHostPattern('2001:db8::1'), { names: ['2001:db8::1'] });
  t.throws(() => expandHostPattern('host:'), { message: /trailing ':'/ });
  t.throws(() => expandHostPattern('a:b'), { message: /':' may only introduce a port/ });
  t.throws(() => expandHostPattern('h:99999'), { message: /invalid port/ });
});
