/**
 * How the page tests find a browser on a newcomer's machine, played on made-up machines: which files exist, which
 * platform, what /etc/os-release says, where playwright-core expects its Chromium.
 */
import type { BrowserLookup } from '../fixtures/findBrowser';
import { findBrowser } from '../fixtures/findBrowser';

const playwrightChromium = '/home/dev/.cache/ms-playwright/chromium-1255/chrome-linux64/chrome';

/** A Linux machine with exactly these files (and these folder listings), nothing set in the environment. */
function machine(files: string[], overrides: Partial<BrowserLookup> = {}): BrowserLookup {
  const present = new Set(files);
  return {
    env: {},
    platform: 'linux',
    exists: (path) => present.has(path),
    list: (path) => [...new Set(files.filter((file) => file.startsWith(`${path}/`)).map((file) => file.slice(path.length + 1).split('/')[0] ?? ''))],
    playwrightChromium: () => playwrightChromium,
    osRelease: () => 'ID=debian\nVERSION_ID="12"\n',
    home: '/home/dev',
    ...overrides,
  };
}

describe('findBrowser', () => {
  it('uses CHROMIUM_PATH first, even when a system chromium exists', () => {
    const lookup = machine(['/usr/bin/chromium', '/opt/my/chrome'], { env: { CHROMIUM_PATH: '/opt/my/chrome' } });

    expect(findBrowser(lookup)).toEqual({ path: '/opt/my/chrome', source: 'CHROMIUM_PATH' });
  });

  it('fails naming CHROMIUM_PATH when it points at nothing, rather than silently using another browser', () => {
    const lookup = machine(['/usr/bin/chromium'], { env: { CHROMIUM_PATH: '/opt/typo/chrome' } });

    expect(() => findBrowser(lookup)).toThrow('CHROMIUM_PATH is set to /opt/typo/chrome, but there is no file there');
  });

  it.each([['/usr/bin/chromium'], ['/usr/bin/chromium-browser'], ['/snap/bin/chromium']])("finds Debian's or Ubuntu's chromium at %s", (path) => {
    expect(findBrowser(machine([path, playwrightChromium]))).toEqual({ path, source: 'system chromium' });
  });

  it("prefers the system chromium over Playwright's and Playwright's over Chrome", () => {
    expect(findBrowser(machine([playwrightChromium, '/usr/bin/google-chrome'])).source).toBe('Playwright');
    expect(findBrowser(machine(['/usr/bin/google-chrome', '/opt/microsoft/msedge/msedge']))).toEqual({ path: '/usr/bin/google-chrome', source: 'Chrome' });
  });

  it("finds a Playwright Chromium of another revision, the newest first, when this playwright-core's own is not installed", () => {
    const older = '/home/dev/.cache/ms-playwright/chromium-1100/chrome-linux64/chrome';
    const newer = '/home/dev/.cache/ms-playwright/chromium-1300/chrome-linux64/chrome';

    expect(findBrowser(machine([older, newer]))).toEqual({ path: newer, source: 'Playwright' });
  });

  it('finds Edge when it is the only browser', () => {
    expect(findBrowser(machine(['/opt/microsoft/msedge/msedge']))).toEqual({ path: '/opt/microsoft/msedge/msedge', source: 'Edge' });
  });

  it("finds Chrome in a Mac user's own Applications folder, and ignores Linux paths there", () => {
    const chrome = '/Users/dev/Applications/Google Chrome.app/Contents/MacOS/Google Chrome';
    const lookup = machine(['/usr/bin/chromium', chrome], { platform: 'darwin', home: '/Users/dev', playwrightChromium: () => undefined });

    expect(findBrowser(lookup)).toEqual({ path: chrome, source: 'Chrome' });
  });

  it('finds Edge under Program Files (x86) on Windows', () => {
    const edge = 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe';
    const lookup = machine([edge], {
      platform: 'win32',
      env: { PROGRAMFILES: 'C:\\Program Files', 'PROGRAMFILES(X86)': 'C:\\Program Files (x86)' },
      playwrightChromium: () => undefined,
    });

    expect(findBrowser(lookup)).toEqual({ path: edge, source: 'Edge' });
  });

  it.each([
    ['Debian', { osRelease: () => 'ID=debian\n' }, 'sudo apt-get install chromium'],
    ['Ubuntu', { osRelease: () => 'ID=ubuntu\nID_LIKE=debian\n' }, 'sudo snap install chromium'],
    ['another Linux', { osRelease: () => 'ID=fedora\n' }, "install your distribution's chromium package"],
    ['macOS', { platform: 'darwin' as const }, 'install Google Chrome'],
    ['Windows', { platform: 'win32' as const }, 'install Google Chrome or Microsoft Edge'],
  ])('with no browser on %s, fails with one message saying how to get one there', (_system, overrides, advice) => {
    const lookup = machine([], overrides);

    expect(() => findBrowser(lookup)).toThrow(advice);
    expect(() => findBrowser(lookup)).toThrow('npx playwright-core install chromium');
    expect(() => findBrowser(lookup)).toThrow('or set CHROMIUM_PATH');
  });
});
