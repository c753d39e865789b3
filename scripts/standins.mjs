/**
 * The modules the lean function bundles leave out of wx-server-sdk, each with the reason no function reaches it,
 * and the esbuild plugin that puts a stand-in in their place.
 *
 * Found by profiling a cold start (`node --cpu-prof`: which modules' load time counts) and reading esbuild's
 * metafile (which modules take the bytes and who imports them), then following each one's users in
 * @cloudbase/node-sdk 3.17.2 and wx-server-sdk 4.0.2. Everything on the path of `cloud.openapi.*` stays: config and
 * credentials, signing (@cloudbase/signature-nodejs), the multipart body (form-data), the request itself
 * (request-core, agentkeepalive, axios for the metadata probe off the cloud), protobuf, json-bigint and the error
 * mapping. A stand-in that is reached anyway prints and throws an error naming the module, so the gap cannot pass
 * unnoticed; `npm run build -- --full` builds the whole SDK instead.
 */

/**
 * What to leave out. `module` is either a package name (every import of it is replaced) or a file inside a
 * package (`<package>/<path>`, matched by its resolved path under node_modules). `builtAtLoad` names functions the
 * SDK calls while initialising only to store what they return: the stand-in answers them with a stand-in object,
 * whose first use throws like the module itself.
 */
export const STAND_INS = [
  {
    module: '@cloudbase/node-sdk/dist/ai/index.js',
    reason:
      'createAI is called only by CloudBase.ai() (wx-server-sdk: cloud.ai()); the functions never call it. ' +
      'Takes @cloudbase/ai, @cloudbase/app, its adapters and web-streams-polyfill with it.',
  },
  {
    module: '@cloudbase/wx-cloud-client-sdk',
    reason:
      'serves only the CloudBase `models` (data models) and `mysql` features, which wx-server-sdk does not expose and the functions never use. ' +
      'The CloudBase constructor still builds a models client eagerly (and ignores any error), so that call gets a client stand-in; ' +
      "the real module's load reads the global Headers, which on Node 18+ loads all of Node's undici (about 20 ms).",
    builtAtLoad: ['generateHTTPClient'],
  },
  {
    module: '@cloudbase/database',
    reason:
      'used only by CloudBase.database() (cloud.database()), which the functions call only to write or read the decision trail. ' +
      'Takes bson and three lodash modules with it (about 190 KB and 10–15 ms of load), so it is built beside index.js as database.js ' +
      'and required on first use instead: a cold start that writes no record never loads it.',
    deferredTo: 'database.js',
  },
  {
    module: 'jsonwebtoken',
    reason: 'used only by CloudBase.auth().createTicket (custom login tickets); the openapi path never calls auth(). Takes semver and jws with it.',
  },
  {
    module: 'xml2js',
    reason: 'used only by cloud storage calls (uploadFile and the like, parsing COS answers); the functions store no files.',
  },
  {
    module: 'mime-types',
    reason:
      'form-data looks a type up only for a part with a file name or path; the openapi call appends requestData as a bare Buffer, ' +
      'which gets application/octet-stream without a lookup. Its load walks all of mime-db.',
  },
  {
    module: 'mime-db',
    reason:
      'read by wx-server-sdk only for an openapi parameter that is a file ({contentType, value}, media uploads); ' +
      "the plugin APIs take strings and numbers. Also mime-types' table (left out above).",
  },
  {
    module: 'https-proxy-agent',
    reason: 'request-core builds a proxy agent only when cloud.init is given `proxy`; cloudPlatform.ts passes only `env`.',
  },
  {
    module: 'http-proxy-agent',
    reason: 'request-core builds a proxy agent only when cloud.init is given `proxy`; cloudPlatform.ts passes only `env`.',
  },
];

const isFileEntry = (module) => module.split('/').length > (module.startsWith('@') ? 2 : 1);
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * The CommonJS source of one stand-in: loading it is free; using it in any way prints and throws an error that
 * names the module. Only the `__esModule` probe of CommonJS interop helpers is answered (undefined), since
 * `__importDefault(require(…))` reads it at load time without using the module.
 */
export function standInSource(module, reason, builtAtLoad = []) {
  return `"use strict";
const what = ${JSON.stringify(module)};
const why = ${JSON.stringify(reason)};
const builtAtLoad = ${JSON.stringify(builtAtLoad)};
function reached(how) {
  const error = new Error(what + " is left out of this lean bundle, yet the code reached it (" + how + "). Left out because: " + why +
    " Rebuild with \`npm run build -- --full\` and report which call reached it.");
  error.name = "StandInReachedError";
  console.error("[stand-in] " + error.message);
  return error;
}
function standIn(prefix) {
  return new Proxy(function standIn() {}, {
    get(target, key) {
      if (key === "__esModule") return undefined;
      if (prefix === "" && builtAtLoad.includes(key)) return () => standIn(String(key) + "()");
      throw reached("read " + prefix + "." + String(key));
    },
    set(target, key) { throw reached("set " + prefix + "." + String(key)); },
    has(target, key) { throw reached("checked " + prefix + " for ." + String(key)); },
    apply() { throw reached("called " + (prefix || "it")); },
    construct() { throw reached("constructed " + (prefix || "it")); },
  });
}
module.exports = standIn("");
`;
}

/**
 * The CommonJS source of a deferred module's stand-in: loading it is free; the first use of any export requires the
 * real module from `file`, built beside index.js (scripts/build.mjs), and hands every later use to it. A folder
 * uploaded without that file fails on that use with an error saying so, never at load.
 */
export function deferredSource(module, file) {
  return `"use strict";
let real;
function load() {
  if (real === undefined) {
    try {
      real = require(${JSON.stringify(`./${file}`)});
    } catch (error) {
      if (error && error.code === "MODULE_NOT_FOUND" && String(error.message).includes(${JSON.stringify(file)})) {
        const missing = new Error(${JSON.stringify(module)} + " is built into ${file} beside index.js, and that file is missing from this function's folder: upload the whole folder (index.js, ${file}, package.json, config.json).");
        missing.name = "DeferredModuleMissingError";
        throw missing;
      }
      throw error;
    }
  }
  return real;
}
module.exports = new Proxy({}, {
  get(target, key) { return key === "__esModule" ? true : load()[key]; },
  has(target, key) { return key in load(); },
  ownKeys() { return Reflect.ownKeys(load()); },
  getOwnPropertyDescriptor(target, key) { const descriptor = Reflect.getOwnPropertyDescriptor(load(), key); return descriptor && { ...descriptor, configurable: true }; },
});
`;
}

/** The files built beside index.js for the deferred modules: file name → the module it holds. */
export function deferredFiles(entries = STAND_INS) {
  return new Map(entries.filter((entry) => entry.deferredTo !== undefined).map((entry) => [entry.deferredTo, entry.module]));
}

/** An esbuild plugin that replaces each listed module with its stand-in. */
export function standInPlugin(entries = STAND_INS) {
  const packages = new Map(entries.filter((entry) => !isFileEntry(entry.module)).map((entry) => [entry.module, entry]));
  const files = entries.filter((entry) => isFileEntry(entry.module));
  return {
    name: 'stand-ins',
    setup(build) {
      if (packages.size > 0) {
        const filter = new RegExp(`^(${[...packages.keys()].map(escape).join('|')})$`);
        build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'stand-in' }));
        build.onLoad({ filter: /.*/, namespace: 'stand-in' }, (args) => {
          const entry = packages.get(args.path);
          return {
            contents: entry.deferredTo === undefined ? standInSource(args.path, entry.reason, entry.builtAtLoad) : deferredSource(args.path, entry.deferredTo),
            loader: 'js',
          };
        });
        // The deferred file is required at run time from beside index.js, never bundled into it.
        build.onResolve({ filter: /^\.\/[\w.-]+\.js$/, namespace: 'stand-in' }, (args) => ({ path: args.path, external: true }));
      }
      for (const entry of files) {
        const filter = new RegExp(`[\\\\/]node_modules[\\\\/]${escape(entry.module).replace(/\\\//g, '[\\\\/]')}$`);
        build.onLoad({ filter }, () => ({ contents: standInSource(entry.module, entry.reason, entry.builtAtLoad), loader: 'js' }));
      }
    },
  };
}
