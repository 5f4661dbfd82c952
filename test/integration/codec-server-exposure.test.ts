import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assertCodecExposureAllowed, isLoopbackHost } from '../../src/cli/codec-server';
import { ConfigError } from '../../src/config';
import { eventually } from '../support/env';
import { freePort } from '../support/observed-process';

// Defect 11 of issue 30: a codec server on a non-loopback address without a
// token decrypts for anyone who reaches it. It must refuse to start, unless
// the operator says --insecure-no-token.
const BIN = path.join(__dirname, '..', '..', 'bin', 'ordersync');
const TOKEN = 'exposure-test-token-0123456789';

interface Run {
  exit: Promise<number | null>;
  output: () => string;
  stop: () => void;
}

function runCodecServer(args: string[], token?: string): Run {
  const env: NodeJS.ProcessEnv = { ...process.env, ORDERSYNC_LOG_FORMAT: 'json' };
  delete env.ORDERSYNC_CODEC_TOKEN;
  if (token !== undefined) env.ORDERSYNC_CODEC_TOKEN = token;
  const child = spawn(process.execPath, [BIN, 'codec-server', ...args], { env });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { exit, output: () => out, stop: () => child.kill('SIGTERM') };
}

const running: Run[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    r.stop();
    await r.exit;
  }
});

async function answersHealth(port: number): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}/health`).catch(() => null);
  return res?.status === 200;
}

describe('codec server exposure', () => {
  it('knows which listen hosts are loopback', () => {
    for (const h of ['127.0.0.1', '127.8.9.1', 'localhost', 'LOCALHOST', '::1', '[::1]'])
      expect(isLoopbackHost(h), h).toBe(true);
    for (const h of [
      '0.0.0.0',
      '::',
      '',
      '10.0.0.5',
      '192.168.1.2',
      'codec.internal',
      '::ffff:10.0.0.1',
    ])
      expect(isLoopbackHost(h), h).toBe(false);
  });

  it('refuses beyond loopback without a token, allows a token or the explicit flag', () => {
    expect(() => assertCodecExposureAllowed('0.0.0.0', undefined, false)).toThrow(ConfigError);
    expect(() => assertCodecExposureAllowed('0.0.0.0', TOKEN, false)).not.toThrow();
    expect(() => assertCodecExposureAllowed('0.0.0.0', undefined, true)).not.toThrow();
    expect(() => assertCodecExposureAllowed('127.0.0.1', undefined, false)).not.toThrow();
  });

  it('the command exits 78 naming the variable and never listens', async () => {
    const port = await freePort();
    const run = runCodecServer(['--listen', `0.0.0.0:${port}`]);
    running.push(run);
    expect(await run.exit).toBe(78);
    expect(run.output()).toContain('ORDERSYNC_CODEC_TOKEN is not set');
    expect(run.output()).toContain('--insecure-no-token');
    expect(await answersHealth(port)).toBe(false);
  }, 60_000);

  it('the command starts beyond loopback with --insecure-no-token, and warns', async () => {
    const port = await freePort();
    const run = runCodecServer(['--listen', `0.0.0.0:${port}`, '--insecure-no-token']);
    running.push(run);
    await eventually(() => answersHealth(port), 30_000, 'the codec server to answer');
    await eventually(
      async () => run.output().includes('without ORDERSYNC_CODEC_TOKEN'),
      5_000,
      'the warning',
    );
  }, 60_000);

  it('the command starts beyond loopback with ORDERSYNC_CODEC_TOKEN', async () => {
    const port = await freePort();
    const run = runCodecServer(['--listen', `0.0.0.0:${port}`], TOKEN);
    running.push(run);
    await eventually(() => answersHealth(port), 30_000, 'the codec server to answer');
    expect(run.output()).not.toContain('without ORDERSYNC_CODEC_TOKEN');
  }, 60_000);
});
