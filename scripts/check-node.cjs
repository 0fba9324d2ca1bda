#!/usr/bin/env node
// Says in one line, and exits 1, when this Node is not one package.json's `engines` names (the
// versions every locked package supports). An older Node installs, then fails later in ways that do
// not name the cause. CommonJS without dependencies: it runs before node_modules exists, on any Node.
// Usage: node scripts/check-node.cjs [VERSION]   (VERSION defaults to this Node's)
'use strict';
const path = require('node:path');

const compare = (a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/**
 * Whether `version` is in `engines`, written as alternatives "^X.Y.Z" (that major line from X.Y.Z
 * on) and ">=X.Y.Z": a full semver parser would need node_modules, which this check runs before.
 * Throws on any other form.
 */
function accepts(version, engines) {
  const have = version.replace(/^v/, '').split('.').map(Number);
  return engines
    .split('||')
    .map((s) => s.trim())
    .some((alternative) => {
      const m = /^(\^|>=)(\d+)\.(\d+)\.(\d+)$/.exec(alternative);
      if (!m)
        throw new Error(`package.json engines.node: cannot read "${alternative}" (use ^X.Y.Z or >=X.Y.Z)`);
      const min = [Number(m[2]), Number(m[3]), Number(m[4])];
      return compare(have, min) >= 0 && (m[1] === '>=' || have[0] === min[0]);
    });
}

module.exports = { accepts };

if (require.main === module) {
  const want = require(path.join(__dirname, '..', 'package.json')).engines.node;
  const version = (process.argv[2] || process.versions.node).replace(/^v/, '');
  try {
    if (!accepts(version, want)) {
      console.error(
        `setup: Node ${version} is not supported: phonehome needs Node ${want} (package.json engines)`,
      );
      process.exit(1);
    }
  } catch (err) {
    console.error(`setup: ${err.message}`);
    process.exit(1);
  }
}
