/**
 * The dependency arrows of ARCHITECTURE.md, checked on every `npm test`
 * (`npm run check:deps`). Arrows: protocol ← server; protocol ← client ← cli, web.
 * Only `packages/* /src` is cruised: tests may cross packages (client tests
 * start a real server) and bench drives both sides on purpose.
 *
 * Packages import each other by workspace name (`@conclave/client`); the
 * symlinks resolve to `packages/<name>/src/…`, which is what the paths below
 * match. Type-only imports count too (`tsPreCompilationDeps`).
 */

/** Node's built-ins that open network connections (depcruise names them without `node:`). */
const SOCKETS = '^(node:)?(net|tls|http|https|http2|dgram)$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles anywhere (CONVENTIONS.md §13).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'protocol-imports-nothing-of-ours',
      severity: 'error',
      comment: 'packages/protocol is the single source of truth: it imports no other package of ours.',
      from: { path: '^packages/protocol/' },
      to: { path: '^(packages/(server|client|cli|web)|bench)/' },
    },
    {
      name: 'server-not-to-clients',
      severity: 'error',
      comment: 'The server imports only protocol: never client, cli or web code.',
      from: { path: '^packages/server/' },
      to: { path: '^packages/(client|cli|web)/' },
    },
    {
      name: 'client-only-to-protocol',
      severity: 'error',
      comment: 'The client core imports only protocol: never the server or a UI.',
      from: { path: '^packages/client/' },
      to: { path: '^packages/(server|cli|web)/' },
    },
    {
      name: 'client-no-node-builtins',
      severity: 'error',
      comment: 'The client core is platform-free: UIs inject sockets, storage and clock (CONVENTIONS.md §6).',
      from: { path: '^packages/client/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'client-npm-allow-list',
      severity: 'error',
      comment:
        'The client core uses only platform-free npm packages: ts-mls, noble, zod (via protocol), minisearch (search), markdown-it and emojibase-data (formatting, shortcodes).',
      from: { path: '^packages/client/' },
      to: {
        dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'],
        pathNot: 'node_modules/(ts-mls|@noble/(hashes|curves|ciphers)|zod|minisearch|markdown-it|emojibase-data)/',
      },
    },
    {
      name: 'client-ts-mls-only-through-the-adapter',
      severity: 'error',
      comment:
        'Every ts-mls call of the client core goes through src/mls/ts-mls.ts, so a library upgrade is a change of one module (issue 14).',
      from: { path: '^packages/client/src/', pathNot: '^packages/client/src/mls/ts-mls\\.ts$' },
      to: { path: 'node_modules/ts-mls/' },
    },
    {
      name: 'server-ts-mls-only-in-framing',
      severity: 'error',
      comment: 'The server reads MLS framing in one module, src/mls/framing.ts; nothing else of it touches ts-mls.',
      from: { path: '^packages/server/src/', pathNot: '^packages/server/src/mls/framing\\.ts$' },
      to: { path: 'node_modules/ts-mls/' },
    },
    {
      name: 'web-not-to-server-or-cli',
      severity: 'error',
      comment: 'The web client talks to the server only over the wire, through the client core.',
      from: { path: '^packages/web/' },
      to: { path: '^packages/(server|cli)/' },
    },
    {
      name: 'cli-not-to-web',
      severity: 'error',
      comment: 'The two UIs are independent.',
      from: { path: '^packages/cli/' },
      to: { path: '^packages/web/' },
    },
    {
      name: 'ui-no-mls-crypto',
      severity: 'error',
      comment: 'UIs never touch MLS or message crypto: the client core does (ARCHITECTURE.md).',
      from: { path: '^packages/(cli|web)/' },
      to: { path: 'node_modules/(ts-mls|@noble|@hpke)/' },
    },
    {
      name: 'web-no-node-or-sockets',
      severity: 'error',
      comment: 'The web client runs in a browser: no Node built-ins, no socket libraries (the socket comes from the core).',
      from: { path: '^packages/web/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'cli-sockets-only-in-socket-adapters',
      severity: 'error',
      comment:
        'The terminal client opens its own TLS socket, but only in its socket adapters: ' +
        'src/socket.ts (the WebSocket handed to the core), src/blob-transport.ts (the HTTPS BlobTransport handed to the core), ' +
        'src/tls/ (certificate pinning), src/url.ts (isIP).',
      from: { path: '^packages/cli/src/', pathNot: '^packages/cli/src/(socket\\.ts|blob-transport\\.ts|tls/|url\\.ts)' },
      to: { path: SOCKETS },
    },
    {
      name: 'cli-sockets-only-in-socket-adapters-npm',
      severity: 'error',
      comment: 'As above, for the resolved `ws` package.',
      from: { path: '^packages/cli/src/', pathNot: '^packages/cli/src/(socket\\.ts|blob-transport\\.ts|tls/|url\\.ts)' },
      to: { path: 'node_modules/ws/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve would hide an arrow from these rules.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // No `includeOnly`: it would drop Node built-ins and unresolvable imports before the rules see them.
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
