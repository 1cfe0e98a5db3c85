import t from 'tap';
import { secretValues } from '../../../engine/report/redact.js';

t.test('the CLI masks the values of secret-named inventory and extra vars', async (t) => {
  t.same(secretValues({ ansible_ssh_private_key_passphrase: 'hunter2', libvirt_uri: 'qemu:///system', nested: { api_token: 'tok' } }).sort(), [
    'hunter2',
    'tok',
  ]);
});

t.test('a path to a key file is not a secret; the key passphrase is', async (t) => {
  t.same(secretValues({ ansible_ssh_private_key_file: '/keys/id_ed25519', ansible_ssh_private_key_passphrase: 'pw', ssh_secret_path: '/x' }), ['pw']);
});
