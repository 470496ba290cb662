/**
 * Encrypted files benchmark (issue 17): the server in a child process
 * (`server-child.ts`), one user who uploads a random blob of `--mib` MiB
 * (default 25, the default `max_file_mb`) with `PUT /api/blobs/<sha256>` and a
 * Bearer token, then downloads it with `GET`, both over HTTPS on 127.0.0.1,
 * streamed on the client side too (64 KiB writes, the download hashed as it
 * arrives and checked). The server's RSS is sampled from /proc every 10 ms
 * during each transfer: the server must stream, not buffer, a blob.
 *
 * `--rounds N` (default 3) repeats it with a fresh blob each time: the first
 * round grows the server's young generation (V8 sizes it to the allocation
 * rate, then keeps it), so the figure that shows whether a blob is held is
 * how much a later round adds to the peak of the rounds before it.
 *
 * Prints one JSON line: uploadMBps and downloadMBps (10^6 bytes per second,
 * request start to reply end, of the last round), uploadMs, downloadMs,
 * serverRssMiB `{before, firstPeak, laterPeak, after}` and
 * `laterRoundGrowthMiB` (later peak minus first peak).
 * Exits 1 with one JSON line `{error}` on failure or timeout.
 *
 *   npm run bench:files -- --mib 25
 *
 * It also prints what a device pays for the same size (`clientCrypto`, in
 * this process, the client core's own code): the digest pass that names the
 * blob, the sealing pass that is uploaded, and opening (decrypting and
 * checking) it, in ms — with the web's SHA-256 (`@noble/hashes`) and the
 * terminal's (`node:crypto`).
 *
 * `max_file_mb` is raised to `--mib` when needed, and `file_quota_mb` is 0 (no limit).
 */
import { createHash, randomFillSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { BLOB_PATH, DEFAULT_MAX_FILE_MB } from '@conclave/protocol';
import { addUser, runShellAdmin } from '@conclave/server';
import { BlobOpener, blobIdOf, bytesSource, generateFileKey, mls, nobleSha256, sealChunks, type Sha256Factory } from '@conclave/client';
import { fail, machineLoad, parseFlags, procSample, round, startServerChild, within } from './lib/common.js';
import { BenchDevice } from './lib/device.js';

const BENCH = 'files';
const PASSWORD = 'bench-password-not-common-42';
const WRITE_BYTES = 64 * 1024;

/** Samples `pid`'s RSS every 10 ms until `stop()`; returns the peak (MiB). */
function rssPeak(pid: number): { stop(): number } {
  let peak = procSample(pid).rssMiB;
  const timer = setInterval(() => (peak = Math.max(peak, procSample(pid).rssMiB)), 10);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, procSample(pid).rssMiB);
    },
  };
}

/** One blob request; resolves with the status and, for a GET, the SHA-256 (hex) and length of the body. */
function request(url: string, method: 'PUT' | 'GET', token: string, body?: Buffer): Promise<{ status: number; sha256: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body) Object.assign(headers, { 'content-type': 'application/octet-stream', 'content-length': String(body.byteLength) });
    const req = https.request(url, { method, headers, rejectUnauthorized: false, agent: false }, (res) => {
      const hash = createHash('sha256');
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.byteLength;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, sha256: hash.digest('hex'), bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (!body) return void req.end();
    // Streamed in 64 KiB writes, waiting for the socket to drain.
    let at = 0;
    const write = (): void => {
      while (at < body.byteLength) {
        const chunk = body.subarray(at, at + WRITE_BYTES);
        at += chunk.byteLength;
        if (!req.write(chunk)) return void req.once('drain', write);
      }
      req.end();
    };
    write();
  });
}

/** The client core's file encryption over `plain`: ms for the digest pass, the sealing pass and opening. */
async function clientCrypto(plain: Buffer, sha256Of: Sha256Factory): Promise<{ digestPassMs: number; sealMs: number; openMs: number }> {
  const key = generateFileKey();
  let t0 = performance.now();
  const { blobId } = await blobIdOf(bytesSource(plain), key, undefined, sha256Of);
  const digestPassMs = performance.now() - t0;
  t0 = performance.now();
  const sealed: Uint8Array[] = [];
  for await (const chunk of sealChunks(bytesSource(plain), key)) sealed.push(chunk);
  const sealMs = performance.now() - t0;
  t0 = performance.now();
  const opener = new BlobOpener({ blobId, key, size: plain.byteLength }, () => undefined, sha256Of);
  for (const chunk of sealed) await opener.push(chunk);
  await opener.finish();
  const openMs = performance.now() - t0;
  return { digestPassMs: round(digestPassMs), sealMs: round(sealMs), openMs: round(openMs) };
}

async function main(): Promise<void> {
  const opts = parseFlags(process.argv.slice(2), { mib: DEFAULT_MAX_FILE_MB, timeout: 300, rounds: 3 });
  if (!(opts.mib > 0 && opts.mib <= 2048)) throw new Error('--mib must be more than 0 and at most 2048');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conclave-bench-'));
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  await addUser({ dataDir, username: 'files0', password: PASSWORD });
  if (opts.mib > DEFAULT_MAX_FILE_MB) await runShellAdmin(dataDir, { action: 'set', key: 'max_file_mb', value: String(Math.ceil(opts.mib)) });
  await runShellAdmin(dataDir, { action: 'set', key: 'file_quota_mb', value: '0' });

  const blob = Buffer.alloc(Math.round(opts.mib * 1024 * 1024));
  const server = await startServerChild(dataDir);
  let device: BenchDevice | undefined;
  try {
    device = await BenchDevice.open(server.wsUrl, await mls.generateSignatureKeyPair());
    await device.login('files0', PASSWORD);
    const origin = server.wsUrl.replace(/^wss:/, 'https:').replace(/\/ws$/, '');
    const before = procSample(server.pid).rssMiB;
    const peaks: number[] = [];
    let uploadMs = 0;
    let downloadMs = 0;
    for (let round = 0; round < Math.max(1, opts.rounds); round++) {
      randomFillSync(blob);
      const id = createHash('sha256').update(blob).digest('hex');
      const url = `${origin}${BLOB_PATH}/${id}`;
      const sampler = rssPeak(server.pid);
      let t0 = performance.now();
      const put = await within(request(url, 'PUT', device.token, blob), opts.timeout * 1000, 'upload');
      uploadMs = performance.now() - t0;
      if (put.status !== 201) throw new Error(`upload answered ${put.status}`);
      t0 = performance.now();
      const got = await within(request(url, 'GET', device.token), opts.timeout * 1000, 'download');
      downloadMs = performance.now() - t0;
      peaks.push(sampler.stop());
      if (got.status !== 200 || got.sha256 !== id || got.bytes !== blob.byteLength) throw new Error(`download answered ${got.status} with ${got.bytes} bytes`);
    }
    const after = procSample(server.pid).rssMiB;
    // The web's SHA-256 (noble, pure JavaScript) and the terminal's (node:crypto).
    const crypto = { web: await clientCrypto(blob, nobleSha256), terminal: await clientCrypto(blob, () => createHash('sha256')) };
    const firstPeak = peaks[0]!;
    const laterPeak = Math.max(firstPeak, ...peaks.slice(1));

    process.stdout.write(
      `${JSON.stringify({
        bench: BENCH,
        mib: opts.mib,
        uploadMBps: round(blob.byteLength / 1e6 / (uploadMs / 1000)),
        downloadMBps: round(blob.byteLength / 1e6 / (downloadMs / 1000)),
        uploadMs: round(uploadMs),
        downloadMs: round(downloadMs),
        rounds: peaks.length,
        serverRssMiB: { before, firstPeak, laterPeak, after },
        laterRoundGrowthMiB: round(laterPeak - firstPeak),
        clientCrypto: crypto,
        node: process.version,
        ...machineLoad(),
      })}\n`,
    );
  } finally {
    device?.close();
    await server.stop();
  }
  process.exit(0);
}

main().catch((err: unknown) => fail(BENCH, err));
