/**
 * A phone for miniprogram-simulate: `wx.cloud` posts every call to the local cloud's function host, so each tap
 * runs the built bundles and the real wx-server-sdk against the model of WeChat; modals, toasts, the loading
 * overlay and the clipboard are recorded as the user would see them, and modals are answered by the test.
 */
import { request } from 'node:http';
import type { LocalCloud } from '../../localcloud/server';
import { localAccount } from '../../localcloud/server';

/** Who holds the phone: a user of some mini-program. The plugin's own appid makes a same-account caller. */
export interface PhoneUser {
  appid: string;
  openid: string;
}

/** A modal as the user saw it, and how they answered. */
export interface ModalSeen {
  title: string;
  content: string;
  editable: boolean;
  answer: { confirm: boolean; content: string };
}

/** What the test can see of the phone and do with it. */
export interface Device {
  modals: ModalSeen[];
  toasts: string[];
  loadings: string[];
  clipboard: string;
  /** How often the page stopped the pull-down refresh spinner. */
  pullDownStops: number;
  /** Function calls that left the phone, by function name. */
  sent: string[];
  /** Whether the phone reaches the cloud; offline, calls fail as a refused connection does. */
  online: boolean;
  /** Queues the user's answer to the next modal; unqueued modals are confirmed with nothing typed. */
  answerModal(answer: { confirm: boolean; content?: string }): void;
  /** Resolves once no call is in flight and the page had a moment to render what came back. */
  idle(): Promise<void>;
}

/** What `wx.cloud.callFunction` resolves. */
interface CallFunctionResult {
  errMsg: string;
  result: unknown;
}

type Rejection = Error & { errCode?: number; errMsg: string };

function rejection(errMsg: string, errCode?: number): Rejection {
  // wx.cloud rejects with an Error carrying errCode / errMsg, like wx-server-sdk's CloudSDKError.
  return Object.assign(new Error(errCode === undefined ? errMsg : `errCode: ${errCode} | errMsg: ${errMsg}`), {
    errMsg,
    ...(errCode === undefined ? {} : { errCode }),
  });
}

/** Posts one call to the function host and answers as `wx.cloud.callFunction` does. */
function post(baseUrl: string, name: string, body: Record<string, unknown>): Promise<CallFunctionResult> {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}/functions/${encodeURIComponent(name)}`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        const answer = JSON.parse(text) as { result?: Record<string, unknown>; errCode?: number; errMsg?: string };
        if (res.statusCode === 200 && answer.result !== undefined) resolve({ errMsg: 'cloud.callFunction:ok', result: answer.result });
        else reject(rejection(answer.errMsg ?? `cloud.callFunction:fail HTTP ${res.statusCode}`, answer.errCode));
      });
    });
    req.on('error', (error) => reject(rejection(`cloud.callFunction:fail request:fail ${error.message}`)));
    req.end(JSON.stringify(body));
  });
}

// Nothing listens on port 1: a real refused connection, as when the phone has no network.
const UNREACHABLE = 'http://127.0.0.1:1';

/** Gives the global `wx` (miniprogram-simulate's) a cloud, the local cloud's function host, and a screen. */
export function installDevice(cloud: Pick<LocalCloud, 'url'>, user: PhoneUser): Device {
  const answers: Array<{ confirm: boolean; content: string }> = [];
  let inFlight = 0;
  const device: Device = {
    modals: [],
    toasts: [],
    loadings: [],
    clipboard: '',
    pullDownStops: 0,
    sent: [],
    online: true,
    answerModal: (answer) => void answers.push({ confirm: answer.confirm, content: answer.content ?? '' }),
    idle: async () => {
      for (let quiet = 0; quiet < 3;) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        quiet = inFlight === 0 ? quiet + 1 : 0;
      }
    },
  };
  const sameAccount = user.appid === localAccount.appid;

  const track = async <T>(work: () => Promise<T>): Promise<T> => {
    inFlight += 1;
    try {
      return await work();
    } finally {
      inFlight -= 1;
    }
  };
  const callAs = (name: string, data: Record<string, unknown> | undefined, shared: boolean): Promise<CallFunctionResult> =>
    track(() => {
      device.sent.push(name);
      const cloudUrl = device.online ? cloud.url : UNREACHABLE;
      if (sameAccount) return post(cloudUrl, name, { data: data ?? {}, openid: user.openid });
      // Another account's own environment does not hold the plugin's functions; only the shared one does.
      if (!shared)
        return Promise.reject(
          rejection(`cloud.callFunction:fail -501000 [ResourceNotFound] FunctionName parameter could not be found (env of ${user.appid})`, -501000),
        );
      return post(cloudUrl, name, { data: data ?? {}, from: { appid: user.appid, openid: user.openid } });
    });

  // Environment sharing: an instance for the plugin's environment. The local cloud runs cloudbase_auth on each call.
  class Cloud {
    private ready = false;
    constructor(private readonly options: { resourceAppid: string; resourceEnv: string }) {}
    async init(): Promise<void> {
      if (this.options.resourceAppid !== localAccount.appid || this.options.resourceEnv !== localAccount.envId) {
        throw rejection(`cloud.init:fail -601012 env ${this.options.resourceEnv} of ${this.options.resourceAppid} is not shared with ${user.appid}`, -601012);
      }
      this.ready = true;
    }
    callFunction(param: { name: string; data?: Record<string, unknown> }): Promise<CallFunctionResult> {
      if (!this.ready) return Promise.reject(rejection('cloud.callFunction:fail call init() first'));
      return callAs(param.name, param.data, true);
    }
  }

  const wx = (global as unknown as { wx: Record<string, unknown> }).wx;
  wx.cloud = {
    DYNAMIC_CURRENT_ENV: Symbol('DYNAMIC_CURRENT_ENV'),
    init: (): void => undefined,
    callFunction: (param: { name: string; data?: Record<string, unknown> }) => callAs(param.name, param.data, false),
    Cloud,
  };
  wx.showModal = async (options: { title?: string; content?: string; editable?: boolean }) => {
    const answer = answers.shift() ?? { confirm: true, content: '' };
    device.modals.push({ title: options.title ?? '', content: options.content ?? '', editable: options.editable === true, answer });
    return { errMsg: 'showModal:ok', confirm: answer.confirm, cancel: !answer.confirm, ...(options.editable === true ? { content: answer.content } : {}) };
  };
  wx.showToast = async (options: { title: string }) => {
    device.toasts.push(options.title);
    return { errMsg: 'showToast:ok' };
  };
  wx.showLoading = async (options: { title: string }) => {
    device.loadings.push(options.title);
    return { errMsg: 'showLoading:ok' };
  };
  wx.hideLoading = async () => ({ errMsg: 'hideLoading:ok' });
  wx.stopPullDownRefresh = async () => {
    device.pullDownStops += 1;
    return { errMsg: 'stopPullDownRefresh:ok' };
  };
  wx.setClipboardData = async (options: { data: string }) => {
    device.clipboard = options.data;
    // WeChat confirms a copy with its own toast.
    device.toasts.push('内容已复制');
    return { errMsg: 'setClipboardData:ok' };
  };
  wx.getClipboardData = async () => ({ errMsg: 'getClipboardData:ok', data: device.clipboard });
  return device;
}
