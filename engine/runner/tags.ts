/**
 * Ansible's tag selection: --tags runs tasks carrying one of the tags (or 'always');
 * --skip-tags removes tasks carrying one of them; 'never' runs only when asked for by name.
 * The special selectors 'all', 'tagged' and 'untagged' work as in Ansible.
 */
export interface TagFilter {
  tags: string[];
  skipTags: string[];
}

export function shouldRunTask(taskTags: readonly string[], f: TagFilter): boolean {
  const has = (t: string) => taskTags.includes(t);
  const matches = (sel: string) =>
    sel === 'all' ? !has('never') : sel === 'tagged' ? taskTags.length > 0 : sel === 'untagged' ? taskTags.length === 0 : has(sel);
  if (f.skipTags.some(matches)) return false;
  if (f.tags.length === 0) return !has('never');
  if (has('always') && !f.skipTags.includes('always')) return true;
  return f.tags.some(matches);
}
