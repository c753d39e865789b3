/**
 * `npm start` on a port that is already taken (a second `npm start`, another server): the message says what to do.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const localCloudCli = join(__dirname, '../../dist/localcloud.js');

describe('the local cloud started on a port in use', () => {
  it('exits 1 and says to stop the other one or pick a free PORT', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;

    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [localCloudCli],
        { env: { PATH: process.env.PATH ?? '', PORT: String(port), LOCALCLOUD_LOG: 'quiet' }, timeout: 20_000 },
        (error, _stdout, stderr) => {
          resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stderr });
        },
      );
    });
    await new Promise<void>((resolve) => taken.close(() => resolve()));

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('EADDRINUSE');
    expect(result.stderr).toMatch(/pick a free port, e\.g\. PORT=\d+ npm start/);
  });
});
