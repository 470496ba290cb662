import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { startServer, type RunningServer } from '../src/index.js';
import { createUsers, PASSWORD, RawClient, tempDir } from './helpers.js';
import { blobRequest, randomBlob } from './blob-http.js';
import { MlsDevice } from './mls-fixture.js';

const agent = new Agent({ rejectUnauthorized: false });

/** One HTTPS GET (self-signed certificate accepted), bounded by a timeout. */
function get(server: RunningServer, pathname: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${pathname}`, { agent, timeout: 5_000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${pathname} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * The line grammar of the Prometheus text format 0.0.4: an empty line,
 * `# HELP name text`, `# TYPE name counter|gauge|histogram|summary|untyped`,
 * or a sample `name{label="value",…} number [timestamp]`.
 */
const METRIC_NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
/** A float as Go's ParseFloat reads it (Inf and NaN in any case: prom-client writes `Nan`). */
const NUMBER = '(?:[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|[+-]?[iI][nN][fF]|[nN][aA][nN])';
const LINE = new RegExp(
  `^(?:|# HELP ${METRIC_NAME} .*|# TYPE ${METRIC_NAME} (?:counter|gauge|histogram|summary|untyped)|${METRIC_NAME}(?:\\{(?:${LABEL}(?:,${LABEL})*,?)?\\})? ${NUMBER}(?: -?\\d+)?)$`,
);

interface Family {
  name: string;
  type: string;
  metrics: Array<{ value?: string; labels?: Record<string, string>; count?: string; buckets?: Record<string, string> }>;
}

/** Parses an exposition strictly: every line must match the grammar, then the library builds the families. */
function parseExposition(text: string): Map<string, Family> {
  assert.ok(text.endsWith('\n'), 'the exposition ends with a newline');
  for (const line of text.slice(0, -1).split('\n')) assert.match(line, LINE, `not a Prometheus text line: ${line}`);
  const families = parsePrometheusTextFormat(text) as Family[];
  return new Map(families.map((f) => [f.name, f]));
}

/** The value of a counter or gauge series (0 when the series does not exist yet). */
function sample(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const family = families.get(name);
  assert.ok(family, `${name} is exported`);
  const series = family.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return series === undefined ? 0 : Number(series.value);
}

describe('GET /metrics', () => {
  let server: RunningServer;
  const dataDir = tempDir('metrics');
  const devices: MlsDevice[] = [];

  before(async () => {
    server = await startServer({ host: '127.0.0.1', port: 0, dataDir, logLevel: 'silent', metrics: true });
    await createUsers({ dataDir }, 'alice', 'bob');
  });
  after(async () => {
    for (const d of devices) d.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('is Prometheus text whose counters move as users chat, with no user data in it', { timeout: 60_000 }, async () => {
    const first = await get(server, '/metrics');
    assert.equal(first.status, 200);
    assert.match(first.type, /^text\/plain; version=0\.0\.4; charset=utf-8$/);
    const before = parseExposition(first.body);
    assert.equal(before.get('conclave_frames_received_total')?.type, 'COUNTER');
    assert.equal(before.get('conclave_websocket_connections')?.type, 'GAUGE');
    // Every series names the node (one Prometheus scrapes every node of a cluster).
    assert.equal(before.get('conclave_websocket_connections')?.metrics[0]?.labels?.node, server.nodeId);
    assert.equal(before.get('conclave_message_delivery_latency_seconds')?.type, 'HISTOGRAM');
    assert.ok(before.has('process_cpu_seconds_total'), 'default process metrics are on the registry');

    // Two users exchange MLS application messages through the real path.
    const alice = await MlsDevice.login(server, 'alice');
    const bob = await MlsDevice.login(server, 'bob');
    devices.push(alice, bob);
    await alice.sync();
    await bob.sync();
    const general = alice.conversationId('#general');
    assert.equal((await alice.createGroup(general)).type, 'committed');
    const joined = await bob.joinExternal(general);
    assert.equal(joined.type, 'committed', JSON.stringify(joined));
    if (joined.type === 'committed') await alice.readUntil(general, joined.seq);
    for (const [from, text] of [[alice, 'hello bob'], [bob, 'hi alice'], [alice, 'metrics?']] as const) {
      const ack = await from.send(general, text);
      assert.equal(ack.type, 'sent', JSON.stringify(ack));
    }
    await alice.waitRead(general, 3);
    await bob.waitRead(general, 3);

    // An encrypted file: uploaded once (a retry is not counted again), downloaded whole and from an offset.
    const file = randomBlob(100_000);
    assert.equal((await blobRequest(server, 'PUT', file.id, { token: alice.session.token!, body: file.bytes })).status, 201);
    assert.equal((await blobRequest(server, 'PUT', file.id, { token: alice.session.token!, body: file.bytes })).status, 200);
    assert.equal((await blobRequest(server, 'GET', file.id, { token: alice.session.token! })).status, 200);
    assert.equal((await blobRequest(server, 'GET', file.id, { token: alice.session.token!, headers: { range: 'bytes=60000-' } })).status, 206);

    // A wrong password over a raw socket, and a frame that is not JSON.
    const mallory = await RawClient.connect(server);
    await mallory.hello();
    const refused = await mallory.request({ type: 'login', username: 'alice', password: `${PASSWORD}-wrong`, device: { name: 'x', signatureKey: Buffer.alloc(32).toString('base64') } });
    assert.equal(refused.type, 'error');
    mallory.sendRaw('{not json');
    await mallory.waitFor((f) => f.type === 'error' && !('id' in f));

    const second = await get(server, '/metrics');
    const now = parseExposition(second.body);
    const moved = (name: string, labels: Record<string, string> = {}) => sample(now, name, labels) - sample(before, name, labels);
    assert.equal(moved('conclave_frames_received_total', { type: 'send' }), 3, 'three send frames');
    assert.equal(moved('conclave_frames_received_total', { type: 'invalid' }), 1);
    assert.equal(moved('conclave_messages_accepted_total'), 3);
    assert.ok(moved('conclave_frames_sent_total', { type: 'message' }) >= 6, 'each message went to both devices');
    assert.ok(moved('conclave_frames_sent_total', { type: 'sent' }) >= 3);
    assert.equal(moved('conclave_login_failures_total', { reason: 'bad_credentials' }), 1);
    assert.equal(moved('conclave_errors_sent_total', { code: 'CONCLAVE_ERR_BAD_CREDENTIALS' }), 1);
    assert.equal(moved('conclave_errors_sent_total', { code: 'CONCLAVE_ERR_BAD_FRAME' }), 1);
    assert.equal(sample(now, 'conclave_websocket_connections'), 3, 'alice, bob and the raw socket are open');
    assert.equal(moved('conclave_blob_bytes_stored_total'), 100_000);
    assert.equal(moved('conclave_blob_bytes_served_total'), 140_000, 'the whole blob, then 40 000 bytes of it');
    assert.equal(now.get('conclave_blobs_deleted_total')?.type, 'COUNTER');
    const latency = now.get('conclave_message_delivery_latency_seconds')!.metrics[0]!;
    // parse-prometheus-text-format drops `_count` of a labelled histogram (ours carry `node`): the +Inf bucket is the count.
    const observed = Number(latency.count ?? latency.buckets?.['+Inf']);
    assert.ok(observed >= 6, `live deliveries observed (count ${observed})`);
    assert.equal(latency.buckets?.['0.001'] !== undefined && latency.buckets['10'] !== undefined, true, 'buckets from 1 ms to 10 s');

    // Nothing that identifies a user or a session.
    const secrets = ['alice', 'bob', PASSWORD, alice.userId, bob.userId, alice.deviceId, bob.deviceId, general];
    for (const token of [alice.session.token, bob.session.token]) secrets.push(token ?? assert.fail('a session token'));
    for (const secret of secrets) {
      assert.ok(!second.body.includes(secret), `the exposition does not contain ${secret.slice(0, 4)}…`);
    }

    mallory.close();
    const deadline = Date.now() + 5_000;
    while (sample(parseExposition((await get(server, '/metrics')).body), 'conclave_websocket_connections') !== 2) {
      assert.ok(Date.now() < deadline, 'the connection gauge goes down when a socket closes');
      await new Promise((r) => setTimeout(r, 25));
    }
  });
});

test('/metrics is not served unless turned on', { timeout: 30_000 }, async () => {
  const dataDir = tempDir('nometrics');
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, logLevel: 'silent' });
  try {
    assert.equal((await get(server, '/metrics')).status, 404);
    assert.equal((await get(server, '/healthz')).status, 200);
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
