/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 30000,
  collectCoverageFrom: [
    'src/**/*.ts',
    'localcloud/**/*.ts',
    // The CLI's process entry: it only wires this process's streams, signals and exit to runCli(), which is tested.
    '!src/cli/main.ts',
    // The deploy's process entry: it only wires the real build, npm and miniprogram-ci to deploy(), which is tested.
    '!src/deploy/main.ts',
    '!localcloud/cli.ts',
  ],
  coverageReporters: ['text-summary', 'lcov'],
  coverageThreshold: {
    global: { statements: 90, branches: 80, functions: 90, lines: 90 },
  },
};
