/**
 * The command users run (package.json "bin"): dist/bin/virtplay.js, the compiled dist/ bundled
 * with its dependencies by esbuild, so a start reads a handful of files instead of some 200
 * (Node resolves, reads and compiles each module separately: --syntax-check spent most of its
 * time there). The parts only some commands need stay separate chunks, loaded when used (the
 * run, the SSH connection, listr2 on a terminal). Tests run dist/engine/cli.js, the same code
 * unbundled, so that coverage maps to the sources; test/integration/cli/bundle.test.ts and the
 * demo run this bundle.
 *
 *   node esbuild.config.mjs        (npm run build runs it after tsc)
 */
import { build } from 'esbuild';
import { copyFileSync } from 'node:fs';

await build({
  entryPoints: { virtplay: 'dist/engine/cli.js' },
  outdir: 'dist/bin',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunk-[hash]',
  sourcemap: true,
  logLevel: 'warning',
  // ssh2 loads its optional native parts (cpu-features, its crypto binding) from its own folder.
  external: ['ssh2'],
  // CommonJS dependencies (nunjucks, ajv) call require() for Node's own modules.
  banner: { js: "import { createRequire as __virtplayRequire } from 'node:module'; const require = __virtplayRequire(import.meta.url);" },
});
// engine/playbook/ajv.ts loads the precompiled validators from beside the code that runs.
copyFileSync('dist/engine/playbook/validators.generated.cjs', 'dist/bin/validators.generated.cjs');
