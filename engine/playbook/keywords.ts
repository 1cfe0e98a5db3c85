/** Which keys of a task are task keywords, and which Ansible keywords virtplay refuses. */

/** Task keywords virtplay implements (everything else in a task is its module). */
export const TASK_KEYWORDS = [
  'name',
  'when',
  'changed_when',
  'failed_when',
  'loop',
  'with_items',
  'loop_control',
  'register',
  'notify',
  'tags',
  'ignore_errors',
  'check_mode',
  'vars',
  'args',
  'listen',
  'run_once',
  'diff',
] as const;

/** Ansible task keywords that virtplay does not implement: refused by name, never taken for a module. */
export const UNSUPPORTED_TASK_KEYWORDS = new Set([
  'become',
  'become_user',
  'become_method',
  'become_flags',
  'delegate_to',
  'delegate_facts',
  'until',
  'retries',
  'delay',
  'no_log',
  'environment',
  'async',
  'poll',
  'local_action',
  'action',
  'throttle',
  'timeout',
  'any_errors_fatal',
  'connection',
  'debugger',
  'module_defaults',
  'collections',
  'port',
  'remote_user',
  'with_dict',
  'with_list',
  'with_fileglob',
  'with_together',
  'with_nested',
  'with_sequence',
  'with_subelements',
  'with_indexed_items',
  'with_flattened',
  'with_random_choice',
  'rescue',
  'always',
]);

/** Ansible structure keys that virtplay does not support (whole features, not keywords). */
export const UNSUPPORTED_STRUCTURE = new Set(['block', 'include', 'include_tasks', 'import_tasks', 'include_role', 'import_role', 'import_playbook', 'roles']);

/**
 * Ansible's fully-qualified names of the builtin modules virtplay implements: `ansible.builtin.debug`
 * is `debug` (and so is `ansible.legacy.debug`, what ansible-core resolves a short name to).
 */
export const BUILTIN_MODULES = ['debug', 'set_fact', 'assert', 'fail'] as const;

export function moduleNameOf(key: string): string {
  const m = /^ansible\.(?:builtin|legacy)\.([a-z_]+)$/.exec(key);
  return m && (BUILTIN_MODULES as readonly string[]).includes(m[1]!) ? m[1]! : key;
}

export function isTaskKeyword(key: string): boolean {
  return (TASK_KEYWORDS as readonly string[]).includes(key);
}
