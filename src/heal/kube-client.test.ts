import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeKubeApi, status } from '../../test/fixtures/fake-kube-api.js';
import { HomeostatError } from '../errors.js';
import { isDnsLabel, isDnsSubdomain, KubeApiError, KubeClient, kubeClientFrom, PATCH_CONTENT_TYPES } from './kube-client.js';

/** A self-signed certificate for 127.0.0.1 (EC P-256, valid until 2126), made with openssl for this test. */
const CERT = `-----BEGIN CERTIFICATE-----
MIIBpTCCAUqgAwIBAgIUVp+ZpEBdbs/0K2y2ho0AJUyuRwkwCgYIKoZIzj0EAwIw
HjEcMBoGA1UEAwwTZmFrZS1rdWJlLWFwaXNlcnZlcjAgFw0yNjExMjcxNjU0MzBa
GA8yMTI2MTEwMzE2NTQzMFowHjEcMBoGA1UEAwwTZmFrZS1rdWJlLWFwaXNlcnZl
cjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNtilmsSfkYkmqJe8j4D7Ap+6btS
/wzCJR5m7BLkFxMTHue/KJxQ1R68TfLvkI5t7NxhfxwmUzuAGS76DD0NCTqjZDBi
MB0GA1UdDgQWBBQf3ly7Z7wl8ES7JndpVQkQUsaabDAfBgNVHSMEGDAWgBQf3ly7
Z7wl8ES7JndpVQkQUsaabDAPBgNVHRMBAf8EBTADAQH/MA8GA1UdEQQIMAaHBH8A
AAEwCgYIKoZIzj0EAwIDSQAwRgIhANExGe3STbZp1nVouJTl/wJ20N1tP7kP+VSU
lNj9BFpvAiEA6IPLa2iFWT9DRybUJeYhhq+dBqQlLeBZJwyqJvjSNmc=
-----END CERTIFICATE-----`;
const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgGBKBKMPysPyHtep5
exG9oi2nOWzCri3m51kom10+1nmhRANCAATbYpZrEn5GJJqiXvI+A+wKfum7Uv8M
wiUeZuwS5BcTEx7nvyicUNUevE3y75CObezcYX8cJlM7gBku+gw9DQk6
-----END PRIVATE KEY-----`;

const fakes: FakeKubeApi[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function fake(): Promise<{ api: FakeKubeApi; url: string }> {
  const api = new FakeKubeApi();
  fakes.push(api);
  const url = await api.start();
  api.nodes.set('n1', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'uid-n1', resourceVersion: '7' }, spec: {} });
  return { api, url };
}

describe('KubeClient', () => {
  it('sends the bearer token, JSON headers and dryRun=All, and parses the answer', async () => {
    const { api, url } = await fake();
    api.token = 's3cret';
    const client = new KubeClient({ server: url, token: 's3cret' });
    const node = await client.patch<{ spec: { unschedulable: boolean } }>(
      '/api/v1/nodes/n1',
      { spec: { unschedulable: true } },
      'strategic',
      {
        dryRun: true,
      },
    );
    expect(node.spec.unschedulable).toBe(true);
    expect(api.nodes.get('n1')?.spec).toEqual({});
    expect(api.requests).toEqual([
      {
        method: 'PATCH',
        path: '/api/v1/nodes/n1',
        query: { dryRun: 'All' },
        contentType: 'application/strategic-merge-patch+json',
        authorization: 'Bearer s3cret',
        body: { spec: { unschedulable: true } },
      },
    ]);
  });

  it('uses the content type of each patch flavour and application/json to create', async () => {
    const { api, url } = await fake();
    const client = new KubeClient({ server: url });
    await client.patch('/api/v1/nodes/n1', { metadata: { labels: { a: 'b' } } }, 'merge');
    await client.patch('/api/v1/nodes/n1', [{ op: 'replace', path: '/spec', value: { unschedulable: false } }], 'json');
    await client.create('/api/v1/namespaces/default/events', { kind: 'Event', metadata: { namespace: 'default', name: 'e' } });
    expect(api.requests.map((r) => [r.method, r.contentType, r.authorization, r.query])).toEqual([
      ['PATCH', 'application/merge-patch+json', undefined, {}],
      ['PATCH', 'application/json-patch+json', undefined, {}],
      ['POST', 'application/json', undefined, {}],
    ]);
    expect(api.nodes.get('n1')?.spec).toEqual({ unschedulable: false });
    expect(api.nodes.get('n1')?.metadata.labels).toEqual({ a: 'b' });
    expect(PATCH_CONTENT_TYPES).toEqual({
      strategic: 'application/strategic-merge-patch+json',
      merge: 'application/merge-patch+json',
      json: 'application/json-patch+json',
    });
  });

  it('follows continue tokens through every page of a list', async () => {
    const { api, url } = await fake();
    for (const n of ['n2', 'n3', 'n4', 'n5']) api.nodes.set(n, { metadata: { name: n } });
    const items = await new KubeClient({ server: url }).list<{ metadata: { name: string } }>('/api/v1/nodes', {}, 2);
    expect(items.map((i) => i.metadata.name)).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    expect(api.requests.map((r) => r.query)).toEqual([{ limit: '2' }, { limit: '2', continue: '2' }, { limit: '2', continue: '4' }]);
  });

  it('turns a Status object into a KubeApiError with code, reason and message', async () => {
    const { url } = await fake();
    const err = await new KubeClient({ server: url }).get('/api/v1/nodes/nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect(err).toBeInstanceOf(HomeostatError);
    const e = err as KubeApiError;
    expect([e.code, e.status, e.reason, e.apiMessage]).toEqual(['not_found', 404, 'NotFound', 'nodes "nope" not found']);
    expect(e.message).toBe('Kubernetes API refused GET /api/v1/nodes/nope: 404 NotFound: nodes "nope" not found');
  });

  it('maps 401, 403, 409, 422, 429 and 500 to error codes', async () => {
    const { api, url } = await fake();
    const client = new KubeClient({ server: url });
    const cases: [number, string, string][] = [
      [403, 'Forbidden', 'permission_denied'],
      [409, 'Conflict', 'conflict'],
      [422, 'Invalid', 'invalid_argument'],
      [429, 'TooManyRequests', 'unavailable'],
      [500, 'InternalError', 'unavailable'],
    ];
    const got: string[] = [];
    for (const [code, reason] of cases) {
      api.failures.push({ match: () => true, status: status(code, reason, `said ${code}`) });
      const e = (await client.get('/api/v1/nodes/n1').catch((x: unknown) => x)) as KubeApiError;
      got.push(`${e.status} ${e.reason} ${e.code} ${e.apiMessage}`);
    }
    api.token = 'right';
    const e401 = (await new KubeClient({ server: url, token: 'wrong' }).get('/api/v1/nodes/n1').catch((x: unknown) => x)) as KubeApiError;
    got.push(`${e401.status} ${e401.reason} ${e401.code} ${e401.apiMessage}`);
    expect(got).toEqual([
      '403 Forbidden permission_denied said 403',
      '409 Conflict conflict said 409',
      '422 Invalid invalid_argument said 422',
      '429 TooManyRequests unavailable said 429',
      '500 InternalError unavailable said 500',
      '401 Unauthorized unauthenticated Unauthorized',
    ]);
  });

  it('keeps the HTTP reason phrase and raw text when the error body is not a Status', async () => {
    const server = createHttpsServer({ cert: CERT, key: KEY }, (_req, res) => {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('upstream connect error');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const e = (await new KubeClient({ server: url, ca: CERT }).get('/version').catch((x: unknown) => x)) as KubeApiError;
    expect(e.message).toBe('Kubernetes API refused GET /version: 503 Service Unavailable: upstream connect error');
    expect(e.code).toBe('unavailable');
  });

  it('verifies the server certificate against the given CA, or skips it when told to', async () => {
    const server = createHttpsServer({ cert: CERT, key: KEY }, (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ gitVersion: 'v1.30.0', auth: req.headers.authorization ?? null }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dir = mkdtempSync(join(tmpdir(), 'h4-ca-'));
    writeFileSync(join(dir, 'ca.crt'), CERT);
    expect(await new KubeClient({ server: url, caFile: join(dir, 'ca.crt'), token: 't' }).get('/version')).toEqual({
      gitVersion: 'v1.30.0',
      auth: 'Bearer t',
    });
    expect(await new KubeClient({ server: url, insecureSkipTlsVerify: true }).get('/version')).toEqual({
      gitVersion: 'v1.30.0',
      auth: null,
    });
    const e = (await new KubeClient({ server: url }).get('/version').catch((x: unknown) => x)) as HomeostatError;
    expect(e.code).toBe('unavailable');
    expect(e.message).toMatch(/^Kubernetes API https:\/\/127\.0\.0\.1:\d+ could not be reached for GET \/version: self.signed certificate/);
  });

  it('gives up after timeoutMs with an unavailable error', async () => {
    const { api, url } = await fake();
    api.hang = () => true;
    const e = (await new KubeClient({ server: url, timeoutMs: 50 }).get('/api/v1/nodes/n1').catch((x: unknown) => x)) as HomeostatError;
    expect(e).toBeInstanceOf(HomeostatError);
    expect(e.code).toBe('unavailable');
    expect(e.message).toBe(`Kubernetes API ${url} did not answer GET /api/v1/nodes/n1 within 50 ms`);
  });

  it('reports a refused connection as unavailable', async () => {
    const { api, url } = await fake();
    await api.stop();
    const e = (await new KubeClient({ server: url }).get('/api/v1/nodes/n1').catch((x: unknown) => x)) as HomeostatError;
    expect(e.code).toBe('unavailable');
    expect(e.message).toContain(`Kubernetes API ${url} could not be reached for GET /api/v1/nodes/n1: connect ECONNREFUSED`);
  });

  it('reads the in-cluster configuration from the service-account directory and environment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'h4-sa-'));
    writeFileSync(join(dir, 'token'), 'sa-token\n');
    writeFileSync(join(dir, 'ca.crt'), CERT);
    writeFileSync(join(dir, 'namespace'), 'shop');
    const c = KubeClient.inCluster({ dir, env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' } });
    expect([c.server, c.namespace]).toEqual(['https://10.96.0.1', 'shop']);
    const v6 = KubeClient.inCluster({ dir, env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' } });
    expect(v6.server).toBe('https://[fd00::1]:6443');
    const { api, url } = await fake();
    api.token = 'sa-token';
    // The fake speaks plain HTTP: the same token file, read by a client pointed at it, is sent.
    const viaFile = new KubeClient({ server: url, tokenFile: join(dir, 'token') });
    expect((await viaFile.get<{ metadata: { name: string } }>('/api/v1/nodes/n1')).metadata.name).toBe('n1');
    expect(api.requests[0]?.authorization).toBe('Bearer sa-token');
  });

  it('rejects a missing in-cluster environment, bad URLs, namespaces and timeouts with clear errors', () => {
    expect(() => KubeClient.inCluster({ env: {} })).toThrow(
      'not running in a Kubernetes pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set (got undefined, undefined)',
    );
    expect(() =>
      KubeClient.inCluster({ env: { KUBERNETES_SERVICE_HOST: 'h', KUBERNETES_SERVICE_PORT: '1' }, dir: '/nonexistent-h4' }),
    ).toThrow(/service-account namespace "\/nonexistent-h4\/namespace" cannot be read/);
    expect(() => new KubeClient({ server: 'kube:6443' })).toThrow('kubernetes server must use http or https (got "kube:")');
    expect(() => new KubeClient({ server: 'not a url' })).toThrow(
      'kubernetes server must be an absolute http(s) URL like https://10.0.0.1:443 (got "not a url")',
    );
    expect(() => new KubeClient({ server: 'https://k', namespace: 'Shop' })).toThrow(
      'kubernetes namespace must be a DNS-1123 label like "shop" (got "Shop")',
    );
    expect(() => new KubeClient({ server: 'https://k', timeoutMs: 0 })).toThrow('kubernetes timeoutMs must be a number > 0 (got 0)');
    try {
      new KubeClient({ server: 'https://k', namespace: 'Shop' });
    } catch (e) {
      expect((e as HomeostatError).code).toBe('invalid_argument');
    }
  });

  it('builds the client a setting names: a URL, or in-cluster', () => {
    const c = kubeClientFrom('http://127.0.0.1:8001/', { namespace: 'shop', token: 't' });
    expect([c.server, c.namespace]).toEqual(['http://127.0.0.1:8001', 'shop']);
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST };
    delete process.env.KUBERNETES_SERVICE_HOST;
    try {
      expect(() => kubeClientFrom('in-cluster')).toThrow(/^not running in a Kubernetes pod/);
    } finally {
      if (saved.host !== undefined) process.env.KUBERNETES_SERVICE_HOST = saved.host;
    }
    expect(() => kubeClientFrom('incluster')).toThrow(
      'kubernetes server must be an absolute http(s) URL like https://10.0.0.1:443 (got "incluster")',
    );
  });

  it('checks DNS-1123 labels and subdomains', () => {
    expect(['shop', 'a-1', 'x'].map(isDnsLabel)).toEqual([true, true, true]);
    expect(['Shop', '-a', 'a.b', '', 'a'.repeat(64)].map(isDnsLabel)).toEqual([false, false, false, false, false]);
    expect(['web', 'ip-10-0-0-1.ec2.internal'].map(isDnsSubdomain)).toEqual([true, true]);
    expect(['../etc', 'a/b', 'A'].map(isDnsSubdomain)).toEqual([false, false, false]);
  });
});
