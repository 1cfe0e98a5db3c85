// The generic YAML helpers the inventory uses (and the playbook loader can): path -> line:col,
// ajv errors -> one positioned message.
import t from 'tap';
import { Ajv } from 'ajv';
import { parseYaml } from '../../../engine/yaml/parse.js';
import { yamlPathPos } from '../../../engine/yaml/positions.js';
import { defaultDescribe, pointerToPath, schemaErrorsToInputError } from '../../../engine/yaml/schema-errors.js';

const SRC = `plays:
  - name: first
    tasks:
      - debug: { msg: hi }
      - bad:
  - name: second
`;

t.test('yamlPathPos', async (t) => {
  const { doc, lineCounter } = parseYaml(SRC, 'pb.yml');
  t.same(yamlPathPos(doc, lineCounter, ['plays', 0, 'name']), { line: 2, col: 11 });
  t.same(yamlPathPos(doc, lineCounter, ['plays', 0, 'name'], true), { line: 2, col: 5 });
  t.same(yamlPathPos(doc, lineCounter, ['plays', '0', 'tasks', 0, 'debug', 'msg']), { line: 4, col: 23 });
  t.same(yamlPathPos(doc, lineCounter, ['plays', 0, 'tasks', 1, 'bad']), { line: 5, col: 9 }, 'an empty value points at its key');
  t.same(yamlPathPos(doc, lineCounter, ['plays', 1]), { line: 6, col: 5 });
  t.same(yamlPathPos(doc, lineCounter, ['plays', 7, 'x']), { line: 2, col: 3 }, 'a missing path: the deepest node that exists');
});

t.test('schemaErrorsToInputError with the default description', async (t) => {
  const { doc, lineCounter } = parseYaml(SRC, 'pb.yml');
  const validate = new Ajv({ allErrors: true, verbose: true }).compile({
    type: 'object',
    properties: { plays: { type: 'array', items: { type: 'object', properties: { name: { type: 'integer' } } } } },
  });
  t.notOk(validate(doc.toJS()));
  const err = schemaErrorsToInputError(validate.errors ?? [], { file: 'pb.yml', doc, lineCounter });
  t.equal(err.message, `pb.yml:2:11: 'plays[0].name' must be an integer, got the string "first"`);
  t.same(pointerToPath('/a~1b/c~0d/0'), ['a/b', 'c~d', '0']);
  t.equal(defaultDescribe([]), 'the document');
});

t.test('parseYaml: PyYAML booleans, not y/n', async (t) => {
  const { doc } = parseYaml('a: y\nb: yes\nc: Off\nd: n\n', 'x.yml');
  t.same(doc.toJS(), { a: 'y', b: true, c: false, d: 'n' });
});
