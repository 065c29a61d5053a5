// The network door for workers on another machine (issue 15, point 6): when the server binds a non-loopback
// address it serves HTTPS with a self-signed certificate made on first use (kept 0600 in `<data dir>/tls/`), and
// workers pin its SHA-256 fingerprint (printed by `agentora worker-token create`). Plain HTTP there only with
// AGENTORA_ALLOW_INSECURE_HTTP=true (the doctor warns).
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { generate } from 'selfsigned';
import type { ServerContext } from '../../context';

export const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1'];
export const isLoopback = (host: string) => LOOPBACK_HOSTS.includes(host);

const files = (dataDir: string) => ({
  dir: path.join(dataDir, 'tls'),
  key: path.join(dataDir, 'tls', 'key.pem'),
  cert: path.join(dataDir, 'tls', 'cert.pem'),
});

/** `AB:CD:…` (what Node's `fingerprint256` and `openssl x509 -fingerprint -sha256` print). */
export const fingerprintOf = (certPem: string) => new X509Certificate(certPem).fingerprint256;
export const normalizeFingerprint = (fp: string) =>
  fp
    .replace(/^sha256[:=]?/i, '')
    .replace(/[^0-9a-f]/gi, '')
    .toUpperCase();

/** The fingerprint of this data dir's certificate, if one was made. */
export function certificateFingerprint(dataDir: string): string | null {
  const f = files(dataDir);
  return existsSync(f.cert) ? fingerprintOf(readFileSync(f.cert, 'utf8')) : null;
}

/** This data dir's certificate and key, made on first use for this host (IP or name in the subjectAltName). */
export async function serverCertificate(dataDir: string, host: string): Promise<{ key: string; cert: string; fingerprint: string }> {
  const f = files(dataDir);
  if (existsSync(f.key) && existsSync(f.cert)) {
    const cert = readFileSync(f.cert, 'utf8');
    return { key: readFileSync(f.key, 'utf8'), cert, fingerprint: fingerprintOf(cert) };
  }
  const altNames = [isIP(host) ? { type: 7 as const, ip: host } : { type: 2 as const, value: host }, { type: 2 as const, value: 'localhost' }];
  const pems = await generate([{ name: 'commonName', value: `agentora ${host}` }], {
    keyType: 'ec',
    notAfterDate: new Date(Date.now() + 10 * 365 * 24 * 3600 * 1000),
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  mkdirSync(f.dir, { recursive: true, mode: 0o700 });
  writeFileSync(f.key, pems.private, { mode: 0o600 });
  chmodSync(f.key, 0o600);
  writeFileSync(f.cert, pems.cert, { mode: 0o600 });
  return { key: pems.private, cert: pems.cert, fingerprint: fingerprintOf(pems.cert) };
}

/** HTTPS options for the HTTP API, or null for plain HTTP (loopback, or the explicit insecure flag). */
export async function httpsFor(ctx: ServerContext, host: string): Promise<{ key: string; cert: string } | null> {
  if (isLoopback(host)) return null;
  if (ctx.config['workers.allowInsecureHttp']) {
    ctx.log.warn(`HTTP API on ${host} without TLS (AGENTORA_ALLOW_INSECURE_HTTP=true): tokens and jobs cross the network in clear text`);
    return null;
  }
  const c = await serverCertificate(ctx.config.dataDir, host);
  ctx.log.info(`HTTPS with the self-signed certificate in ${files(ctx.config.dataDir).dir} (SHA-256 fingerprint ${c.fingerprint})`);
  return { key: c.key, cert: c.cert };
}
