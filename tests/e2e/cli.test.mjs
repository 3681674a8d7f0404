// The command line refuses what it cannot use with a clear message and exit status 2, before serving.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { JWT_SECRET, PARLEY_BIN } from './lib/server.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-cli-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function serve({ store = `sqlite:${dir}/cli.db`, broker = 'local' }) {
  const r = spawnSync(PARLEY_BIN, ['serve', '--listen', '127.0.0.1:0', '--store', store, '--broker', broker,
    '--jwt-secret', JWT_SECRET], { encoding: 'utf8', timeout: 10_000 });
  return { status: r.status, stderr: r.stderr };
}

describe('parley serve refuses bad backend URLs', () => {
  for (const broker of ['redis-cluster://', 'redis-cluster://h1:7000,h2', 'redis-cluster://h1:99999',
    'redis://h:0', 'kafka://x']) {
    it(`--broker ${broker}`, () => {
      const r = serve({ broker });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /--broker must be local, redis:\/\/HOST:PORT or redis-cluster:\/\/HOST:PORT/);
      assert.ok(r.stderr.includes(`(got "${broker}")`), r.stderr);
    });
  }

  it('--store mysql://x', () => {
    const r = serve({ store: 'mysql://x' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--store must be sqlite:PATH or postgres:\/\//);
  });
});

describe('parley serve with a Redis broker', () => {
  it('never echoes the password of a malformed --broker', () => {
    for (const broker of ['redis://app:s3cr3t-pw@h:0', 'redis://s3cr3t-pw@h:1', 'redis-cluster://u:s3cr3t-pw@h1:1,h2']) {
      const r = serve({ broker });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /--broker must be local/);
      assert.ok(!r.stderr.includes('s3cr3t'), r.stderr);
    }
  });

  it('requires --cluster-key with a SQLite store, at least 32 bytes', () => {
    let r = serve({ broker: 'redis://127.0.0.1:1' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--cluster-key is required with a Redis broker and a SQLite store/);
    const short = spawnSync(PARLEY_BIN, ['serve', '--listen', '127.0.0.1:0', '--store', `sqlite:${dir}/cli.db`, '--broker',
      'redis://127.0.0.1:1', '--jwt-secret', JWT_SECRET], { encoding: 'utf8', timeout: 10_000,
      env: { ...process.env, PARLEY_CLUSTER_KEY: 'too-short' } });
    assert.equal(short.status, 2, short.stderr);
    assert.match(short.stderr, /--cluster-key must be at least 32 bytes/);
    assert.ok(!short.stderr.includes('too-short'), short.stderr);
  });
});
