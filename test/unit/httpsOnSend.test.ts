/** createHttpsClient's `onSend`: called when a devplugin request leaves, never while it still waits for a token. */
import type { Deadline } from '../../src/core/deadline';
import { DeadlineExceeded } from '../../src/core/deadline';
import { createHttpsClient } from '../../src/wechat/httpsTransport';
import { aMinuteFromNow } from '../fixtures/deadline';

const appid = 'wx0123456789abcdef';
const secret = '0123456789abcdef0123456789abcdef';
const applicant = 'wx3f9a1c2b7d4e6058';

/** A fetch that answers stable_token when `tokenReady` resolves, and every devplugin call with errcode 0. */
function scriptedFetch(tokenReady: Promise<void>): { fetch: typeof fetch; urls: string[] } {
  const urls: string[] = [];
  const answer = (body: object): Response => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  const fake = async (input: string | URL | Request): Promise<Response> => {
    const url = String(input);
    urls.push(url);
    if (url.includes('/cgi-bin/stable_token')) {
      await tokenReady;
      return answer({ access_token: 'TOKEN', expires_in: 7200 });
    }
    return answer({ errcode: 0, apply_list: [] });
  };
  return { fetch: fake as typeof fetch, urls };
}

describe('createHttpsClient onSend', () => {
  it('is called with the decision as its request leaves, after the token arrived', async () => {
    // Arrange
    let release: () => void = () => undefined;
    const { fetch } = scriptedFetch(new Promise<void>((resolve) => (release = resolve)));
    const sent: Array<{ action: string; appid?: string }> = [];
    const client = createHttpsClient({ appid, secret, baseUrl: 'http://wechat.test', fetch, onSend: (request) => sent.push(request) });

    // Act
    const deciding = client.setApplyStatus({ action: 'dev_agree', appid: applicant }, aMinuteFromNow());
    await new Promise((resolve) => setTimeout(resolve, 20));
    const beforeToken = [...sent];
    release();
    await deciding;

    // Assert
    expect(beforeToken).toEqual([]);
    expect(sent).toEqual([{ action: 'dev_agree', appid: applicant }]);
  });

  it('is not called when the deadline passed while the token was fetched: nothing is sent', async () => {
    // Arrange
    let clock = 0;
    const deadline: Deadline = { at: 100, now: () => clock };
    let release: () => void = () => undefined;
    const { fetch, urls } = scriptedFetch(new Promise<void>((resolve) => (release = resolve)));
    const sent: unknown[] = [];
    const client = createHttpsClient({ appid, secret, baseUrl: 'http://wechat.test', fetch, onSend: (request) => sent.push(request) });

    // Act
    const deciding = client.setApplyStatus({ action: 'dev_agree', appid: applicant }, deadline).catch((error: unknown) => error);
    clock = 200;
    release();
    const thrown = await deciding;

    // Assert
    expect(thrown).toBeInstanceOf(DeadlineExceeded);
    expect(sent).toEqual([]);
    expect(urls.filter((url) => url.includes('/wxa/devplugin'))).toEqual([]);
  });
});
