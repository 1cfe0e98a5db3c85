// ESLint (typescript-eslint's recommended rules) and the layering rules of ARCHITECTURE.md:
// engine/ knows no module (it never imports modules/), and only the command line turns errors into
// exit codes (process.exit nowhere else). `npm test` runs it (pretest: npm run lint).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.lab/**', 'coverage/**', '.tap/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  // Plain Node scripts (the CI's failure printer).
  { files: ['**/*.mjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
  {
    files: ['engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/modules/**', '../modules', '../../modules'], message: 'engine/ knows no module: modules/ plug into it through engine/module.ts.' },
          ],
        },
      ],
    },
  },
  {
    files: ['engine/**/*.ts', 'modules/**/*.ts'],
    ignores: ['engine/cli.ts', 'engine/cli/**/*.ts', 'engine/playbook/gen-validators.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='process'][callee.property.name='exit']",
          message: 'Only the command line (engine/cli.ts) turns errors into exit codes.',
        },
      ],
    },
  },
);
