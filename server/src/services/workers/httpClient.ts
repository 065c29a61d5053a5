// The worker's HTTP client. Plain http for a loopback server; for https it pins the server's self-signed
// certificate: a first TLS handshake (nothing is sent on it) fetches the certificate and compares its SHA-256
// fingerprint with the pinned one; then every request trusts exactly that certificate (`ca`) and checks the
// fingerprint again per connection. A mismatch is a PinError: the token is never sent to that server.
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { normalizeFingerprint } from './tls';

export class PinError extends Error {}
export class HttpFail extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function pemOf(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** The server's certificate, if its fingerprint is the pinned one. */
function fetchPinned(url: URL, pin: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const s = tls.connect({ host, port: Number(url.port || 443), rejectUnauthorized: false, ...(isIP(host) ? {} : { servername: host }) });
    s.setTimeout(10000, () => s.destroy(new Error('TLS handshake timed out')));
    s.once('error', reject);
    s.once('secureConnect', () => {
      const c = s.getPeerCertificate(true);
      s.destroy();
      if (!c?.raw || normalizeFingerprint(c.fingerprint256 ?? '') !== normalizeFingerprint(pin))
        return reject(
          new PinError(
            `the server's certificate (SHA-256 ${c?.fingerprint256 ?? 'none'}) is not the pinned one (${pin}): refusing to send the token`,
          ),
        );
      resolve(pemOf(c.raw));
    });
  });
}

export interface Client {
  post(path: string, body: unknown, signal?: AbortSignal): Promise<Record<string, unknown>>;
}

export function createClient(server: string, token: string, fingerprint: string | undefined): Client {
  const base = new URL(server);
  const secure = base.protocol === 'https:';
  if (secure && !fingerprint) throw new PinError('an https server needs --fingerprint (printed by `agentora worker-token create` on the server)');
  let ca: string | null = null;
  const agent = secure
    ? new https.Agent({
        keepAlive: true,
        checkServerIdentity: (_host, cert) =>
          normalizeFingerprint(cert.fingerprint256) === normalizeFingerprint(fingerprint!)
            ? undefined
            : new PinError('certificate fingerprint changed'),
      })
    : new http.Agent({ keepAlive: true });

  async function once(path: string, body: string, signal?: AbortSignal): Promise<{ status: number; text: string }> {
    if (secure && !ca) ca = await fetchPinned(base, fingerprint!);
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(
        new URL(path, base),
        {
          method: 'POST',
          agent,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          signal,
          ...(secure ? { ca: ca!, servername: isIP(base.hostname) ? undefined : base.hostname } : {}),
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          res.on('error', reject);
        },
      );
      req.on('error', (err) => {
        // A certificate that no longer verifies: fetch it again (and compare with the pin) before the next try.
        if (/certificate|self.signed|fingerprint/i.test(err.message)) ca = null;
        reject(err);
      });
      req.end(body);
    });
  }

  return {
    async post(path, body, signal) {
      const res = await once(path, JSON.stringify(body), signal);
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(res.text) as Record<string, unknown>;
      } catch {
        json = { message: res.text.slice(0, 200) };
      }
      if (res.status < 200 || res.status > 299) throw new HttpFail(res.status, String(json.message ?? `HTTP ${res.status}`));
      return json;
    },
  };
}
