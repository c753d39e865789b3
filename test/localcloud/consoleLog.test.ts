import type { LogEntry } from '../../localcloud/server';
import { consoleLogLevel, isShown } from '../../localcloud/consoleLog';

const request = (method: string, path: string, status = 200): LogEntry => ({ kind: 'request', method, path, status, ms: 3 });
const printed = (text: string): LogEntry => ({ kind: 'function', name: 'setPluginApplyStatus', text });

describe('console log of npm start', () => {
  describe('at the default level (calls)', () => {
    it.each([
      ['a function call', request('POST', '/functions/setPluginApplyStatus')],
      ['an HTTPS API call (the CLI against the local cloud)', request('POST', '/wxa/devplugin')],
      ['a database HTTP API call (the CLI reading the decision trail)', request('POST', '/tcb/databasequery')],
      ['a change through /_local/', request('POST', '/_local/faults', 201)],
      ['a refused request', request('POST', '/functions/x', 415)],
      ['a failed SDK protocol request', request('POST', '/admin/setPluginApplyStatus', 413)],
      ['a failed call record', printed('{"fn":"setPluginApplyStatus","outcome":"APPLICATION_NOT_PENDING","errCode":89240}')],
      ['a retry warning', printed('{"level":"warn","event":"retry","errCode":-1,"attempt":1}')],
      ['a batch with failures', printed('{"fn":"setPluginApplyStatus","batch":2,"succeeded":1,"failed":1,"notAttempted":0}')],
      ['text that is not a record (a stack trace, an SDK warning)', printed('TypeError: boom')],
      ['a post to the WeCom robot', request('POST', '/cgi-bin/webhook/send')],
      [
        'what the trigger scheduler says (a skipped fire, a failed run)',
        { kind: 'trigger', name: 'watchPluginApplyList', text: 'trigger t skipped the … fire' } as LogEntry,
      ],
    ])('shows %s', (_name, entry) => {
      expect(isShown(entry, 'calls')).toBe(true);
    });

    it.each([
      ['the SDK protocol request behind each openapi call', request('POST', '/admin/setPluginApplyStatus')],
      ['a token fetch', request('POST', '/cgi-bin/stable_token')],
      ['the page', request('GET', '/')],
      ['a read of /_local/', request('GET', '/_local/calls')],
      ['a routine OK record', printed('{"fn":"setPluginApplyStatus","outcome":"OK","errCode":0,"changed":true}')],
      ['a batch that went well', printed('{"fn":"setPluginApplyStatus","batch":2,"succeeded":2,"failed":0,"notAttempted":0}')],
    ])('leaves out %s', (_name, entry) => {
      expect(isShown(entry, 'calls')).toBe(false);
    });
  });

  it('shows everything when verbose and nothing when quiet', () => {
    const entry = request('POST', '/admin/setPluginApplyStatus');
    expect(isShown(entry, 'verbose')).toBe(true);
    expect(isShown(request('POST', '/functions/x', 500), 'quiet')).toBe(false);
  });

  it.each([
    [{}, 'calls'],
    [{ LOCALCLOUD_LOG: 'verbose' }, 'verbose'],
    [{ LOCALCLOUD_LOG: ' quiet ' }, 'quiet'],
    [{ LOCALCLOUD_QUIET: '1' }, 'quiet'],
    [{ LOCALCLOUD_QUIET: '1', LOCALCLOUD_LOG: 'calls' }, 'calls'],
  ])('reads the level from %j as %s', (env, level) => {
    expect(consoleLogLevel(env)).toBe(level);
  });

  it('refuses an unknown LOCALCLOUD_LOG, naming the choices', () => {
    expect(() => consoleLogLevel({ LOCALCLOUD_LOG: 'debug' })).toThrow('LOCALCLOUD_LOG must be one of quiet, calls, verbose (got "debug")');
  });
});
