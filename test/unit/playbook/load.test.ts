import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT, InputError, OptionsError } from '../../../engine/errors.js';
import { loadPlaybook } from '../../../engine/playbook/load.js';
import { validateArgs } from '../../../engine/playbook/validate-args.js';
import { evalCondition, renderValue } from '../../../engine/template/render.js';

// Test-only module schemas (the real ones live in schemas/modules/).
const moduleSchemas = new Map<string, object>([
  [
    'virtio_nic',
    {
      type: 'object',
      additionalProperties: false,
      properties: {
        guests: { type: ['string', 'array'], items: { type: 'string' } },
        model: { enum: ['virtio', 'e1000'] },
        restart: { enum: ['never', 'if_needed', 'always'] },
      },
    },
  ],
  [
    'attach_iso',
    {
      type: 'object',
      additionalProperties: false,
      required: ['path'],
      properties: { path: { type: 'string' }, guests: { type: 'string' }, count: { type: 'integer', minimum: 1 } },
    },
  ],
  ['debug_msg', { type: 'object', additionalProperties: false, properties: { msg: { type: 'string' } } }],
]);
const opts = { moduleSchemas, moduleNames: [...moduleSchemas.keys()] };
const fixtures = join(import.meta.dirname, '../../fixtures/playbooks');
const fx = (name: string) => join(fixtures, name);

async function loadError(file: string): Promise<InputError> {
  try {
    await loadPlaybook(file, opts);
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error(`${file} loaded without error`);
}

/** Write a playbook into a temp folder and return its path. */
const dir = mkdtempSync(join(tmpdir(), 'virtplay-pb-'));
function pb(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

t.test('a good playbook becomes plays, tasks and handlers', async (t) => {
  const book = await loadPlaybook(fx('site.yml'), opts);
  t.equal(book.file, fx('site.yml'));
  t.equal(book.plays.length, 1);
  const play = book.plays[0]!;
  t.match(play, { name: 'Convert guests', hosts: 'kvm_hosts', tags: ['convert'], pos: { line: 2, col: 3 } });
  t.same(
    play.vars,
    { iso: '/srv/iso/virtio-win.iso', nic_model: 'e1000', windows_guests: ['win10', 'win11'] },
    'vars_files override play vars; e1000 stays a string',
  );
  t.equal(play.tasks.length, 4);
  const [nic, iso, perItem, bare] = play.tasks;
  t.same(nic, {
    name: 'Virtio NIC',
    module: 'virtio_nic',
    args: { guests: '{{ windows_guests }}', model: '{{ nic_model }}', restart: 'if_needed' },
    when: [],
    loopVar: 'item',
    register: 'nic',
    notify: ['restart guests'],
    tags: ['nic', 'net'],
    ignoreErrors: false,
    pos: { file: fx('site.yml'), line: 12, col: 7 },
    argsPos: { file: fx('site.yml'), line: 14, col: 9 },
    listen: [],
  });
  t.same(iso!.args, { path: '{{ iso }}', guests: 'win10', count: 2 }, 'key=value string arguments, typed like YAML');
  t.same(iso!.when, ['iso is defined', 'nic is changed']);
  t.equal(iso!.ignoreErrors, true, 'yes is true (YAML 1.1)');
  t.equal(iso!.checkMode, false);
  t.match(iso!.argsPos, { line: 22, col: 19 });
  t.equal(perItem!.loop, '{{ isos }}');
  t.equal(perItem!.loopVar, 'image');
  t.same(perItem!.vars, { extra: 1 });
  t.equal(bare!.name, 'debug_msg', 'a task without a name is named after its module');
  t.same(bare!.args, {});
  t.same(bare!.when, ['true']);
  t.equal(play.handlers.length, 1);
  t.match(play.handlers[0], { name: 'restart guests', module: 'debug_msg', listen: ['guest restarts'], args: { msg: 'restarting' } });
});

t.test('each kind of error names file:line:col and what was expected', async (t) => {
  const cases: [string, number, number, string | RegExp][] = [
    ['bad-yaml.yml', 4, 24, /^YAML syntax error: Missing closing "quote: the quoted string that starts here is never closed/],
    ['dup-key.yml', 6, 9, "duplicate key 'msg' (first defined at line 5, column 9)"],
    ['unknown-module.yml', 4, 7, "unknown module 'virtio_nik' (did you mean virtio_nic?); known modules: virtio_nic, attach_iso, debug_msg"],
    ['two-modules.yml', 5, 7, "task 'two' has more than one module ('virtio_nic' and 'attach_iso'); a task runs exactly one module"],
    ['no-module.yml', 3, 7, "task 'nothing to run' has no module; expected exactly one of: virtio_nic, attach_iso, debug_msg"],
    [
      'unknown-arg.yml',
      6,
      9,
      "unknown argument 'modle' for module virtio_nic; expected one of: guests, model, restart (did you mean 'model'?) (in task 'NIC')",
    ],
    ['wrong-type.yml', 6, 16, "argument 'count' for module attach_iso must be an integer, got string 'many' (in task 'ISO')"],
    ['missing-arg.yml', 5, 9, "missing required argument 'path' for module attach_iso (in task 'ISO')"],
    ['bad-enum.yml', 5, 16, "argument 'model' for module virtio_nic must be one of: virtio, e1000; got 'virtoi' (did you mean 'virtio'?) (in task 'NIC')"],
    [
      'bad-play-key.yml',
      2,
      3,
      "unknown key 'become' in play #1; expected one of: name, hosts, vars, vars_files, pre_tasks, tasks, post_tasks, handlers, tags, gather_facts, check_mode, serial, connection, diff",
    ],
    ['import.yml', 1, 3, 'import_playbook is not supported by virtplay; pass several playbooks on the command line instead'],
    ['bad-when.yml', 5, 13, "template syntax error: unexpected token: }} (template line 1, column 6) (in the 'when' of task 'cond')"],
  ];
  for (const [file, line, col, message] of cases) {
    const e = await loadError(fx(file));
    t.equal(e.exitCode, EXIT.BAD_INPUT, `${file}: exit code`);
    t.same([e.pos?.line, e.pos?.col], [line, col], `${file}: position`);
    t.equal(e.pos?.file, fx(file));
    if (typeof message === 'string') t.equal(e.message, `${fx(file)}:${line}:${col}: ${message}`, `${file}: message`);
    else t.match(e.message.slice(`${fx(file)}:${line}:${col}: `.length), message, `${file}: message`);
  }
});

t.test('more errors, from small inline playbooks', async (t) => {
  const cases: [string, number, number, string][] = [
    ['- hosts: all\n  tasks:\n    - name: x\n      debug_msg: {}\n      register: 5\n', 5, 17, "key 'register' in task 'x' must be a string, got integer 5"],
    [
      '- hosts: all\n  tasks:\n    - name: x\n      debug_msg: {}\n      regsiter: r\n',
      5,
      7,
      "unknown key 'regsiter' in task 'x': it already has the module 'debug_msg', so this must be a task keyword, one of: name, when, changed_when, failed_when, loop, with_items, loop_control, register, notify, tags, ignore_errors, check_mode, vars, args, run_once, diff (did you mean 'register'?)",
    ],
    [
      '- hosts: all\n  tasks:\n    - name: x\n      debug_msg: {}\n      become: true\n',
      5,
      7,
      "task keyword 'become' is not supported by virtplay; supported keywords: name, when, changed_when, failed_when, loop, with_items, loop_control, register, notify, tags, ignore_errors, check_mode, vars, args, run_once, diff",
    ],
    ['- hosts: all\n  tasks:\n    - block:\n        - debug_msg: {}\n', 3, 7, "'block' is not supported by virtplay"],
    ['- hosts: all\n  tasks:\n    - name: x\n      debug_msg: {}\n      listen: t\n', 5, 7, "'listen' is only valid in handlers, not in task 'x'"],
    [
      '- hosts: all\n  tasks:\n    - name: x\n      debug_msg: {}\n      notify: restrat\n  handlers:\n    - name: restart\n      debug_msg: {}\n',
      5,
      15,
      "task 'x' notifies 'restrat', but the play has no handler of that name or listen topic; handlers: restart",
    ],
    ['- name: no hosts\n  tasks: []\n', 1, 3, "missing required key 'hosts' in play 'no hosts'"],
    ['hosts: all\n', 1, 1, 'the playbook must be a list, got mapping {"hosts":"all"}'],
    [
      '- hosts: all\n  tasks:\n    - attach_iso: path=/x.iso count\n',
      3,
      19,
      "arguments of module attach_iso as a string must be key=value words: expected key=value, got 'count'",
    ],
    ['- hosts: all\n  tasks:\n    - attach_iso: path=/x.iso count=0\n', 3, 19, "argument 'count' for module attach_iso must be >= 1, got 0 (in task #1)"],
    // Scalars are converted as Ansible's argument spec does (5 -> '5'); a mapping cannot be.
    [
      '- hosts: all\n  tasks:\n    - virtio_nic:\n        guests: [a, {b: 1}]\n',
      4,
      21,
      'argument \'guests[1]\' for module virtio_nic must be a string, got mapping {"b":1} (in task #1)',
    ],
    [
      '- hosts: all\n  tasks:\n    - attach_iso:\n        path: "{{ iso }"\n',
      4,
      15,
      'template syntax error: expected variable end (template line 1, column 8)',
    ],
    ['- hosts: all\n  tasks:\n    - debug_msg:\n      loop: 5\n', 4, 13, "'loop' of task #1 must be a list or a template that gives one, got 5"],
    ['- hosts: all\n  vars_files: [nope.yml]\n', 2, 16, ''],
    ['- hosts: all\n  vars:\n    1bad: x\n', 3, 5, ''],
    ['', 0, 0, 'the playbook is empty; expected a list of plays'],
  ];
  for (const [i, [text, line, col, message]] of cases.entries()) {
    const file = pb(`case${i}.yml`, text);
    const e = await loadError(file);
    t.equal(e.exitCode, EXIT.BAD_INPUT);
    if (line) t.same([e.pos?.line, e.pos?.col], [line, col], `case ${i}: position (${e.message})`);
    if (message) t.equal(e.message, line ? `${file}:${line}:${col}: ${message}` : `${file}: ${message}`, `case ${i}: message`);
  }
});

t.test('missing vars file, bad variable names', async (t) => {
  const e = await loadError(pb('vf.yml', '- hosts: all\n  vars_files: [nope.yml]\n'));
  t.match(e.message, /^.*vf\.yml:2:16: vars file 'nope\.yml': file not found \(looked for .*nope\.yml\)$/);
  const e2 = await loadError(pb('badvar.yml', '- hosts: all\n  vars:\n    1bad: x\n'));
  t.match(e2.message, /badvar\.yml:3:5: '1bad' in 'vars' in play #1 is not a valid name \(letters, digits and _, not starting with a digit\)$/);
  pb('list-vars.yml', '- a\n- b\n');
  const e3 = await loadError(pb('lv.yml', '- hosts: all\n  vars_files: [list-vars.yml]\n'));
  t.match(e3.message, /list-vars\.yml:1:1: a vars file must be a mapping of variable names to values, got a list$/);
});

t.test('a missing playbook is an options error', async (t) => {
  await t.rejects(loadPlaybook(join(dir, 'nope.yml'), opts), OptionsError);
});

t.test('templated arguments: checked loosely at load, fully after rendering', async (t) => {
  const file = pb(
    'tpl.yml',
    [
      '- hosts: all',
      '  tasks:',
      '    - name: Attach ISO',
      '      attach_iso:',
      '        path: "{{ virtio_win_iso }}"',
      '        count: "{{ n }}"',
      '        guests: "{{ g }}"',
      '      when: ready and count_ok',
      '',
    ].join('\n'),
  );
  const book = await loadPlaybook(file, opts);
  const task = book.plays[0]!.tasks[0]!;
  // after templating: a number where a number belongs passes; a string does not
  const ok = renderValue(task.args, { virtio_win_iso: '/x.iso', n: 2, g: 'win10' }, { task: task.name, pos: task.argsPos });
  t.same(ok, { path: '/x.iso', count: 2, guests: 'win10' });
  t.doesNotThrow(() => validateArgs(task.module, ok, task.argsPos));
  const bad = renderValue(task.args, { virtio_win_iso: '/x.iso', n: 'two', g: 'win10' }, { task: task.name, pos: task.argsPos });
  t.throws(() => validateArgs(task.module, bad, task.argsPos), {
    message: `${file}:5:9: argument 'count' for module attach_iso must be an integer, got string 'two'`,
  });
  // an undefined variable names itself, the task and the line of the value that uses it
  t.throws(() => renderValue(task.args, { n: 1, g: 'x' }, { task: task.name, pos: task.argsPos }), {
    message: `${file}:5:15: undefined variable 'virtio_win_iso' in task 'Attach ISO'`,
  });
  t.throws(() => evalCondition(task.when, { ready: true }, { task: task.name, pos: task.pos }), {
    message: `${file}:8:13: undefined variable 'count_ok' in task 'Attach ISO'`,
  });
  // a partly templated string is still a string: a wrong type there is found at load
  const e = await loadError(pb('tpl2.yml', '- hosts: all\n  tasks:\n    - attach_iso:\n        path: /x.iso\n        count: "n{{ n }}"\n'));
  t.equal(e.message, `${join(dir, 'tpl2.yml')}:5:16: argument 'count' for module attach_iso must be an integer, got string 'n{{ n }}' (in task #1)`);
  // ...but its value is unknown, so an enum is not checked on it
  await t.resolves(loadPlaybook(pb('tpl3.yml', '- hosts: all\n  tasks:\n    - virtio_nic:\n        model: "virt{{ x }}"\n'), opts));
});

t.test('Ansible short forms and keywords', async (t) => {
  const book = await loadPlaybook(
    pb(
      'short.yml',
      [
        '- hosts: [kvm1, kvm2]',
        '  check_mode: true',
        '  tags: a, b',
        '  tasks:',
        "    - debug_msg: msg='hello world'",
        '      when: false',
        '      notify: [h1, topic]',
        '      tags: x,y',
        '    - attach_iso:',
        '        guests: g',
        '      args:',
        '        path: /from-args.iso',
        '        guests: overridden',
        '      with_items: [1, 2]',
        '  handlers:',
        '    - name: h1',
        '      debug_msg:',
        '    - name: h2',
        '      debug_msg:',
        '      listen: [topic]',
        '',
      ].join('\n'),
    ),
    opts,
  );
  const play = book.plays[0]!;
  t.equal(play.hosts, 'kvm1,kvm2');
  t.equal(play.name, 'kvm1,kvm2');
  t.same(play.tags, ['a', 'b']);
  const [d, a] = play.tasks;
  t.same(d!.args, { msg: 'hello world' });
  t.same(d!.when, ['false']);
  t.same(d!.notify, ['h1', 'topic']);
  t.same(d!.tags, ['x', 'y']);
  t.equal(d!.checkMode, true, 'play check_mode is the default of its tasks');
  t.same(a!.args, { path: '/from-args.iso', guests: 'g' }, 'inline arguments win over args:');
  t.same(a!.loop, [1, 2]);
  t.same(play.handlers[1]!.listen, ['topic']);
});
