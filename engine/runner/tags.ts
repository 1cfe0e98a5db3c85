/**
 * Ansible's tag selection: --tags runs tasks carrying one of the tags (or 'always');
 * --skip-tags removes tasks carrying one of them; 'never' runs only when asked for by name.
 * The special selectors 'all', 'tagged' and 'untagged' work as in Ansible.
 */
export interface TagFilter {
  tags: string[];
  skipTags: string[];
}

/** Ansible's Taggable.evaluate_tags (ansible-core 2.14), with --tags defaulting to 'all'. */
export function shouldRunTask(taskTags: readonly string[], f: TagFilter): boolean {
  const untagged = taskTags.length === 0;
  const tags = new Set(untagged ? ['untagged'] : taskTags);
  const only = f.tags.length > 0 ? f.tags : ['all'];
  const meets = (sel: readonly string[]) => sel.some((t) => tags.has(t));
  let run = tags.has('always') || (only.includes('all') && !tags.has('never')) || meets(only) || (only.includes('tagged') && !untagged && !tags.has('never'));
  if (run && f.skipTags.length > 0) {
    if (f.skipTags.includes('all')) run = tags.has('always') && !f.skipTags.includes('always');
    else if (meets(f.skipTags)) run = false;
    else if (f.skipTags.includes('tagged') && !untagged) run = false;
  }
  return run;
}
