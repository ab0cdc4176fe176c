// Runs a bcoin 1.0.2 full node for the interop suite: regtest, in memory, on 127.0.0.1 only, with no seeds,
// no discovery, no UPnP and no workers (see shared/REAL_NODES.md).
//
// usage: NODE_BACKEND=js node bcoin-node.js BCOIN_DIR P2P_PORT HTTP_PORT API_KEY PREFIX
//   BCOIN_DIR  the folder whose node_modules holds bcoin (`npm install bcoin@1.0.2 --ignore-scripts`)
//   API_KEY    the HTTP RPC password (basic auth, any user name)
//   PREFIX     a scratch folder (memory mode writes nothing there, but bcoin wants one)
// It prints `ready` on stdout once it listens, and stops on SIGTERM or SIGINT.
'use strict';

const fs = require('fs');
const path = require('path');

const [bcoinDir, p2pPort, httpPort, apiKey, prefix] = process.argv.slice(2);
if (!prefix) {
  console.error('usage: node bcoin-node.js BCOIN_DIR P2P_PORT HTTP_PORT API_KEY PREFIX');
  process.exit(2);
}
const modules = path.join(path.resolve(bcoinDir), 'node_modules');
if (!fs.existsSync(path.join(modules, 'bcoin', 'package.json'))) {
  console.error(`bcoin-node: no bcoin in ${modules}: run \`npm install bcoin@1.0.2 --ignore-scripts\` in ${bcoinDir}`);
  process.exit(1);
}
const load = (name) => require(require.resolve(name, { paths: [modules] }));

// bcoin's database backend loads the native `leveldown`, which was not built (install scripts are off) and
// which memory mode never calls: put a stub in its place before bcoin is loaded.
const levelPath = require.resolve('bdb/lib/level.js', { paths: [path.join(modules, 'bcoin')] });
require.cache[levelPath] = {
  id: levelPath,
  filename: levelPath,
  loaded: true,
  exports: function leveldownStub() {
    throw new Error('leveldown is not available: run bcoin with memory: true');
  },
};

const bcoin = load('bcoin');

// At start bcoin asks a public DNS service for the machine's external address, and may try UPnP: never.
bcoin.Pool.prototype.discoverExternal = async function () {};
bcoin.Pool.prototype.discoverGateway = async function () { return false; };

// Any 20-byte hash makes a coinbase address, which the `generate` RPC needs.
const coinbase = bcoin.Address.fromPubkeyhash(Buffer.alloc(20, 0x11)).toString('regtest');

const node = new bcoin.FullNode({
  network: 'regtest',
  memory: true,
  prefix,
  listen: true,
  host: '127.0.0.1',
  port: Number(p2pPort),
  publicHost: '127.0.0.1',
  httpHost: '127.0.0.1',
  httpPort: Number(httpPort),
  apiKey,
  seeds: [],
  nodes: [],
  upnp: false,
  workers: false,
  noWallet: true,
  coinbaseAddress: [coinbase],
  logLevel: 'warning',
  logConsole: true,
});

async function stop(signal) {
  try {
    await node.close();
  } catch (e) {
    console.error(`bcoin-node: closing after ${signal}: ${e.message}`);
  }
  process.exit(0);
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));

(async () => {
  await node.ensure();
  await node.open();
  await node.connect();
  node.startSync();
  console.log('ready');
})().catch((e) => {
  console.error(`bcoin-node: ${e.stack || e}`);
  process.exit(1);
});
