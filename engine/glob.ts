/** Shell-style globs (`*`, `?`, `[a-z]`, `[!x]`) matched against a whole string. */
const cache = new Map<string, RegExp>();

export function isGlob(s: string): boolean {
  return /[*?[]/.test(s);
}

export function globToRegExp(glob: string): RegExp {
  let re = cache.get(glob);
  if (re) return re;
  let src = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') src += '.*';
    else if (c === '?') src += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) src += '\\[';
      else {
        let body = glob.slice(i + 1, end);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        src += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else src += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  re = new RegExp(`^${src}$`, 's');
  cache.set(glob, re);
  return re;
}

export function globMatch(glob: string, s: string): boolean {
  return globToRegExp(glob).test(s);
}
