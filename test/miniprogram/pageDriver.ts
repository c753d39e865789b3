/**
 * Drives the built admin page in miniprogram-simulate the way a user does: open it, read what is on screen,
 * tap things. Loads the .js, .wxml, .wxss and .json DevTools would load (the .wxml through WeChat's own compiler).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The part of miniprogram-simulate (and the j-component nodes it renders) used here. Its own typings import
 * miniprogram-api-typings globally, whose `require` clashes with Node's in this (Node) project.
 */
interface Node {
  dom?: HTMLElement;
  querySelectorAll(selector: string): Node[];
  dispatchEvent(eventName: string): void;
}
interface Rendered extends Node {
  querySelector(selector: string): Node | null;
  instance: unknown;
  attach(parent: HTMLElement): void;
}
interface Simulate {
  load(componentPath: string, tagName: string, options: { rootPath: string }): string;
  render(id: string): Rendered;
}
const simulate = require('miniprogram-simulate') as Simulate;

/** The mini-program as built by `npm run build`. */
export const BUILT_MINIPROGRAM = join(__dirname, '../../miniprogram');

/** The lifecycle hooks WeChat calls on a page built with Component(). */
interface PageHooks {
  onLoad(): void;
  onPullDownRefresh(): void;
}

/** An open page. */
export interface OpenPage {
  /** Everything on screen, whitespace collapsed. */
  text(): string;
  /** The row of one application, or undefined when it is not listed. */
  row(appid: string): Node | undefined;
  /** Texts of the nodes matching a class selector, e.g. `.outcome`. */
  texts(selector: string): string[];
  tap(node: Node | undefined, what: string): void;
  /** The node matching `selector` in the row of one application. */
  within(appid: string, selector: string): Node | undefined;
  tapIn(appid: string, selector: string): void;
  /** Taps the first node on the page matching `selector`. */
  tapOn(selector: string): void;
  tapFilter(label: string): void;
  /** Types into the search box (as its `input` event delivers it). */
  search(text: string): void;
  pullDown(): void;
}

/** Opens the applications page of a built mini-program (default: the one DevTools opens) and lets it load. */
export function openPage(root = BUILT_MINIPROGRAM): OpenPage {
  const path = join(root, 'pages/applications/applications');
  if (!existsSync(`${path}.js`)) throw new Error(`${path}.js is missing: run npm run build first`);
  // A fresh module registry, so that the page's .js runs (and calls Component()) again, with fresh module state,
  // as when the mini-program starts: simulate's own cache-busting does not reach Jest's registry.
  let id = '';
  jest.isolateModules(() => {
    id = simulate.load(path, 'applications-page', { rootPath: root });
  });
  const page = simulate.render(id);
  page.attach(document.createElement('parent-wrapper'));
  const hooks = page.instance as PageHooks;
  hooks.onLoad();

  const dom = (): HTMLElement => {
    if (page.dom === undefined) throw new Error('the page is not rendered');
    return page.dom;
  };
  const open: OpenPage = {
    text: () => (dom().textContent ?? '').replace(/\s+/g, ' ').trim(),
    row: (appid) => page.querySelectorAll('.item').find((node) => node.dom?.getAttribute('data-appid') === appid),
    texts: (selector) => page.querySelectorAll(selector).map((node) => (node.dom?.textContent ?? '').replace(/\s+/g, ' ').trim()),
    tap: (node, what) => {
      if (node === undefined) throw new Error(`nothing to tap: ${what} is not on screen. Screen: ${open.text()}`);
      node.dispatchEvent('tap');
    },
    within: (appid, selector) => {
      const row = open.row(appid)?.dom;
      // j-component answers querySelector only on the page itself, so search there and keep what is in the row.
      return page.querySelectorAll(selector).find((node) => row !== undefined && node.dom !== undefined && row.contains(node.dom));
    },
    tapIn: (appid, selector) => open.tap(open.within(appid, selector), `${selector} of ${appid}`),
    tapOn: (selector) => open.tap(page.querySelector(selector) ?? undefined, selector),
    tapFilter: (label) =>
      open.tap(
        page.querySelectorAll('.filter').find((node) => node.dom?.textContent === label),
        `filter ${label}`,
      ),
    search: (text) => {
      const box = page.querySelector('.search');
      if (box === null) throw new Error(`no search box on screen. Screen: ${open.text()}`);
      (page.instance as { onSearch(event: { detail: { value: string } }): void }).onSearch({ detail: { value: text } });
    },
    pullDown: () => hooks.onPullDownRefresh(),
  };
  return open;
}
