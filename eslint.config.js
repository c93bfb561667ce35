// Flat config: typescript-eslint's recommended rules plus the project's own conventions.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layers from './eslint/layering.js';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/peers/**/*.py'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='Math'][property.name='random']", message: 'Use node:crypto randomBytes (CSPRNG) for anything security related.' },
      ],
    },
  },
  {
    // docs/architecture.md's layer order, and no import circles (eslint/layering.js).
    files: ['src/**/*.ts'],
    plugins: { layers },
    rules: { 'layers/layering': 'error' },
  },
  {
    files: ['scripts/**/*.mjs', 'eslint.config.js', 'eslint/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
