import tseslint from 'typescript-eslint';

/**
 * libs/domain is pure: no framework, no I/O, no clock, no randomness. Time and ids come in with the
 * command. This is the rule that keeps it so (test/architecture/domain-purity.spec.ts runs it).
 */
export const domainPurity = {
  files: ['libs/domain/**/*.ts'],
  ignores: ['libs/domain/**/*.spec.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          { group: ['@nestjs/*', '@nestjs/**'], message: 'libs/domain is framework-free.' },
          { group: ['pg', 'pg-*', 'bullmq', 'ioredis', '@eventstore/*', '@kurrent/*'], message: 'libs/domain does no I/O.' },
          { group: ['handlebars', '@sendgrid/*', 'twilio'], message: 'Rendering and sending live in libs/channels.' },
          { group: ['node:*', 'fs', 'path', 'crypto', 'os', 'child_process', 'net', 'http', 'https'], message: 'libs/domain does no I/O.' },
          { group: ['uuid'], message: 'Ids come in with the command.' },
          { group: ['@relance/platform', '@relance/event-store', '@relance/channels'], message: 'libs/domain depends on nothing of ours.' },
        ],
      },
    ],
    'no-restricted-globals': [
      'error',
      { name: 'process', message: 'Configuration comes in as arguments.' },
      { name: 'crypto', message: 'Ids come in with the command.' },
      { name: 'fetch', message: 'libs/domain does no I/O.' },
      { name: 'setTimeout', message: 'Delays are scheduled by the shell.' },
    ],
    'no-restricted-properties': [
      'error',
      { object: 'Date', property: 'now', message: 'The current time comes in with the command.' },
      { object: 'Math', property: 'random', message: 'Randomness comes in with the command.' },
    ],
    'no-restricted-syntax': [
      'error',
      { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'The current time comes in with the command.' },
      { selector: "CallExpression[callee.name='Date']", message: 'The current time comes in with the command.' },
    ],
  },
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', 'reports/**', 'tmp/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      'no-debugger': 'error',
      'no-console': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/ban-ts-comment': ['error', { 'ts-ignore': true, 'ts-expect-error': 'allow-with-description' }],
    },
  },
  domainPurity,
);
