// Lint: typescript-eslint's recommended rules plus the import boundaries of DESIGN.md.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noDaemon = { group: ['**/daemon/**', '**/daemon/*'], message: 'src/cli, src/tui and src/shared never import the daemon: go through the admin API client in src/shared.' };
const noServerDeps = [
  { name: 'better-sqlite3', message: 'Only src/daemon/store knows SQLite.' },
  { name: 'mockttp', message: 'MITM is daemon-only.' },
];
const noUi = [
  { name: 'ink', message: 'The daemon never loads the TUI.' },
  { name: 'react', message: 'The daemon never loads the TUI.' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', 'schema/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['src/daemon/**'],
    rules: { 'no-restricted-imports': ['error', { paths: noUi, patterns: [{ group: ['**/tui/**', '**/cli/**'], message: 'The daemon never imports the CLI or the TUI.' }] }] },
  },
  {
    files: ['src/daemon/**'],
    ignores: ['src/daemon/store/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [...noUi, noServerDeps[0]], patterns: [{ group: ['**/tui/**', '**/cli/**'], message: 'The daemon never imports the CLI or the TUI.' }] }] },
  },
  {
    files: ['src/cli/**', 'src/tui/**'],
    rules: { 'no-restricted-imports': ['error', { paths: noServerDeps, patterns: [noDaemon] }] },
  },
  {
    files: ['src/shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [...noServerDeps, ...noUi], patterns: [noDaemon, { group: ['**/cli/**', '**/tui/**'], message: 'src/shared imports nothing from the CLI or the TUI.' }] },
      ],
    },
  },
);
