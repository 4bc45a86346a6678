/**
 * @module heal/kube-client
 * A minimal Kubernetes REST client over node:http/https, with no dependency: bearer-token auth,
 * a pinned CA, JSON bodies, the three patch content types, server-side dry run (`dryRun=All`),
 * list paging (`limit`/`continue`) and a time limit per request. API errors (the `Status`
 * objects the API server answers with) become {@link KubeApiError}s that keep the HTTP status,
 * the Status `reason` and its `message`.
 *
 * Configuration is explicit ({@link KubeClientOptions}) or read from the pod the process runs in
 * ({@link KubeClient.inCluster}): the service-account token, CA and namespace files under
 * `/var/run/secrets/kubernetes.io/serviceaccount` and `KUBERNETES_SERVICE_HOST`/`_PORT`, as
 * client-go's `rest.InClusterConfig` does. A token file is re-read every minute, since bound
 * service-account tokens rotate.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { describe, type ErrorCode, HomeostatError, invalid } from '../errors.js';

/** Where Kubernetes mounts a pod's service-account credentials. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** How often a token file is re-read (ms): kubelet rotates bound tokens well before they expire. */
const TOKEN_REFRESH_MS = 60_000;

/** Options of {@link KubeClient}. */
export interface KubeClientOptions {
  /** API server URL: `https://10.0.0.1:443`, or `http://127.0.0.1:8001` behind `kubectl proxy`. */
  readonly server: string;
  /** Bearer token (a service-account token). No `Authorization` header without token or tokenFile. */
  readonly token?: string;
  /** File holding the bearer token, re-read every minute (wins over `token`). */
  readonly tokenFile?: string;
  /** PEM of the CA that signed the API server's certificate. Default: Node's public CAs. */
  readonly ca?: string;
  /** File holding that PEM (wins over `ca`). */
  readonly caFile?: string;
  /** Accept any server certificate. For test clusters only. Default false. */
  readonly insecureSkipTlsVerify?: boolean;
  /** Namespace used when an object names none. Default `default`. */
  readonly namespace?: string;
  /** Time allowed for one request, connection to last byte (ms, > 0). Default 10000. */
  readonly timeoutMs?: number;
}

/** Options of {@link KubeClient.inCluster}, for tests and unusual mounts. */
export interface InClusterOptions {
  /** Environment with `KUBERNETES_SERVICE_HOST`/`_PORT`. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Directory with `token`, `ca.crt`, `namespace`. Default {@link SERVICE_ACCOUNT_DIR}. */
  readonly dir?: string;
  /** Overrides the namespace file. */
  readonly namespace?: string;
  readonly timeoutMs?: number;
}

/** Patch flavours: strategic merge (core types), JSON merge (RFC 7386) and JSON patch (RFC 6902). */
export type PatchType = 'strategic' | 'merge' | 'json';

/** Content type of each {@link PatchType}. */
export const PATCH_CONTENT_TYPES: Readonly<Record<PatchType, string>> = {
  strategic: 'application/strategic-merge-patch+json',
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
};

/** One API request. */
export interface KubeRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Absolute API path, segments already encoded: `/apis/apps/v1/namespaces/shop/deployments/web`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** Default `application/json` with a body. */
  readonly contentType?: string;
  /** Server-side dry run: adds `dryRun=All`; the server validates and admits but persists nothing. */
  readonly dryRun?: boolean;
}

/** The `{items, metadata.continue}` shape of a list answer. */
interface ListAnswer<T> {
  readonly items?: readonly T[];
  readonly metadata?: { readonly continue?: string };
}

/**
 * A refusal by the API server: HTTP status, the Status object's `reason` (`NotFound`,
 * `Conflict`, `TooManyRequests`, `Forbidden`…) and its `message`. `code` maps the status to
 * Homeostat's error codes (404 not_found, 409 conflict, 401/403 unauthenticated/permission_denied,
 * 400/422 invalid_argument, 429 and 5xx unavailable).
 */
export class KubeApiError extends HomeostatError {
  /** HTTP status. */
  readonly status: number;
  /** Status `reason`, or the HTTP reason phrase when the body is not a Status. */
  readonly reason: string;
  /** Status `message` as the API server wrote it. */
  readonly apiMessage: string;
  constructor(status: number, reason: string, apiMessage: string, what: string) {
    super(codeOf(status), `Kubernetes API refused ${what}: ${status} ${reason}${apiMessage ? `: ${apiMessage}` : ''}`);
    this.name = 'KubeApiError';
    this.status = status;
    this.reason = reason;
    this.apiMessage = apiMessage;
  }
}

function codeOf(status: number): ErrorCode {
  if (status === 400 || status === 422) return 'invalid_argument';
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'permission_denied';
  if (status === 404) return 'not_found';
  if (status === 409 || status === 410) return 'conflict';
  if (status === 429 || status >= 500) return 'unavailable';
  return 'internal';
}

/** Encodes one path segment (a name or namespace) for an API path. */
export function seg(name: string): string {
  return encodeURIComponent(name);
}

/**
 * A small Kubernetes API client. Every method rejects with a {@link KubeApiError} when the API
 * refuses, and a `HomeostatError` `unavailable` on a network failure or time-out. The
 * constructor throws `invalid_argument` for a bad URL, a bad timeout or an unreadable file.
 * @example await new KubeClient({ server: 'http://127.0.0.1:8001' }).get('/api/v1/nodes/n1')
 */
export class KubeClient {
  /** The API server's origin, e.g. `https://10.0.0.1:443`. */
  readonly server: string;
  /** Default namespace. */
  readonly namespace: string;
  readonly #https: boolean;
  readonly #ca: string | undefined;
  readonly #insecure: boolean;
  readonly #timeoutMs: number;
  readonly #tokenFile: string | undefined;
  #token: string | undefined;
  #tokenReadAt = 0;

  constructor(options: KubeClientOptions) {
    let url: URL;
    try {
      url = new URL(options.server);
    } catch {
      throw invalid(`kubernetes server must be an absolute http(s) URL like https://10.0.0.1:443 (got ${describe(options.server)})`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw invalid(`kubernetes server must use http or https (got ${describe(url.protocol)})`);
    }
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
      throw invalid(`kubernetes timeoutMs must be a number > 0 (got ${describe(timeoutMs)})`);
    const namespace = options.namespace ?? 'default';
    if (!isDnsLabel(namespace)) throw invalid(`kubernetes namespace must be a DNS-1123 label like "shop" (got ${describe(namespace)})`);
    this.server = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    this.namespace = namespace;
    this.#https = url.protocol === 'https:';
    this.#ca = options.caFile !== undefined ? readText(options.caFile, 'kubernetes caFile') : options.ca;
    this.#insecure = options.insecureSkipTlsVerify ?? false;
    this.#timeoutMs = timeoutMs;
    this.#tokenFile = options.tokenFile;
    this.#token = options.token;
    if (this.#tokenFile !== undefined) this.#readToken();
  }

  /**
   * The client of the pod this process runs in: API server from `KUBERNETES_SERVICE_HOST` and
   * `KUBERNETES_SERVICE_PORT`, token, CA and namespace from the service-account directory.
   * Throws `invalid_argument` outside a pod (variables unset, files missing).
   */
  static inCluster(options: InClusterOptions = {}): KubeClient {
    const env = options.env ?? process.env;
    const host = env.KUBERNETES_SERVICE_HOST;
    const port = env.KUBERNETES_SERVICE_PORT;
    if (!host || !port) {
      throw invalid(
        `not running in a Kubernetes pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set (got ${describe(host)}, ${describe(port)})`,
      );
    }
    const dir = options.dir ?? SERVICE_ACCOUNT_DIR;
    const namespace = options.namespace ?? readText(join(dir, 'namespace'), 'service-account namespace').trim();
    return new KubeClient({
      server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
      tokenFile: join(dir, 'token'),
      caFile: join(dir, 'ca.crt'),
      namespace,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
  }

  /** GET one object. */
  get<T>(path: string, query?: Readonly<Record<string, string | undefined>>): Promise<T> {
    return this.request<T>({ method: 'GET', path, ...(query ? { query } : {}) });
  }

  /** GET every item of a list, following `continue` tokens `pageSize` items at a time (default 500). */
  async list<T>(path: string, query: Readonly<Record<string, string | undefined>> = {}, pageSize = 500): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined;
    do {
      const page: ListAnswer<T> = await this.get(path, { ...query, limit: String(pageSize), ...(next ? { continue: next } : {}) });
      items.push(...(page.items ?? []));
      next = page.metadata?.continue || undefined;
    } while (next !== undefined);
    return items;
  }

  /**
   * PATCH an object with a patch of the given flavour. `fieldManager` names the writer in the
   * object's `managedFields` (as `kubectl-rollout` does for `kubectl rollout restart`).
   */
  patch<T>(
    path: string,
    body: unknown,
    type: PatchType,
    options: { readonly dryRun?: boolean; readonly fieldManager?: string } = {},
  ): Promise<T> {
    return this.request<T>({
      method: 'PATCH',
      path,
      body,
      contentType: PATCH_CONTENT_TYPES[type],
      dryRun: options.dryRun ?? false,
      ...(options.fieldManager ? { query: { fieldManager: options.fieldManager } } : {}),
    });
  }

  /** POST (create) an object or a subresource such as `pods/eviction`. */
  create<T>(path: string, body: unknown, options: { readonly dryRun?: boolean } = {}): Promise<T> {
    return this.request<T>({ method: 'POST', path, body, dryRun: options.dryRun ?? false });
  }

  /** Sends one request; resolves with the parsed JSON answer (undefined for an empty body). */
  request<T>(req: KubeRequest): Promise<T> {
    const url = new URL(`${this.server}${req.path}`);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    if (req.dryRun) url.searchParams.set('dryRun', 'All');
    const what = `${req.method} ${req.path}${req.dryRun ? ' (dry run)' : ''}`;
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'homeostat' };
    const token = this.#currentToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    const body = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body), 'utf8');
    if (body) {
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = String(body.length);
    }
    const send = this.#https ? httpsRequest : httpRequest;
    return new Promise<T>((resolve, reject) => {
      let timedOut = false;
      const fail = (err: unknown): void => {
        clearTimeout(timer);
        reject(
          timedOut
            ? new HomeostatError('unavailable', `Kubernetes API ${this.server} did not answer ${what} within ${this.#timeoutMs} ms`)
            : this.#unavailable(what, err),
        );
      };
      const tls = this.#https ? { ...(this.#ca ? { ca: this.#ca } : {}), rejectUnauthorized: !this.#insecure } : {};
      const r = send(url, { method: req.method, headers, ...tls }, (res) => {
        readBody(res).then((text) => {
          clearTimeout(timer);
          const status = res.statusCode ?? 0;
          try {
            if (status >= 200 && status < 300) resolve(parseJson<T>(text, res));
            else reject(statusError(status, res.statusMessage ?? '', text, what));
          } catch (err) {
            reject(err);
          }
        }, fail);
      });
      const timer = setTimeout(() => {
        timedOut = true;
        r.destroy();
      }, this.#timeoutMs);
      r.on('error', fail);
      r.end(body);
    });
  }

  #unavailable(what: string, err: unknown): HomeostatError {
    const m = err instanceof Error ? err.message : String(err);
    return new HomeostatError('unavailable', `Kubernetes API ${this.server} could not be reached for ${what}: ${m}`, { cause: err });
  }

  #currentToken(): string | undefined {
    if (this.#tokenFile !== undefined && Date.now() - this.#tokenReadAt >= TOKEN_REFRESH_MS) {
      try {
        this.#readToken();
      } catch {
        // keep the last token: a rotation in progress must not break the requests in flight
      }
    }
    return this.#token;
  }

  #readToken(): void {
    this.#token = readText(this.#tokenFile as string, 'kubernetes tokenFile').trim();
    this.#tokenReadAt = Date.now();
  }
}

/** Whether `s` is a DNS-1123 label (namespaces, most names): lower-case alphanumerics and `-`, ≤ 63. */
export function isDnsLabel(s: string): boolean {
  return s.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s);
}

/** Whether `s` is a DNS-1123 subdomain (object names such as nodes and deployments), ≤ 253. */
export function isDnsSubdomain(s: string): boolean {
  return s.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(s);
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw invalid(`${what} ${describe(file)} cannot be read: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function parseJson<T>(text: string, res: IncomingMessage): T {
  if (text.trim() === '') return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new HomeostatError(
      'internal',
      `Kubernetes API answered ${res.statusCode} with a body that is not JSON (content-type ${describe(res.headers['content-type'])}): ${describe(text)}`,
    );
  }
}

function statusError(status: number, phrase: string, text: string, what: string): KubeApiError {
  try {
    const s = JSON.parse(text) as { kind?: unknown; reason?: unknown; message?: unknown };
    if (s !== null && typeof s === 'object' && s.kind === 'Status') {
      return new KubeApiError(
        status,
        typeof s.reason === 'string' && s.reason ? s.reason : phrase,
        typeof s.message === 'string' ? s.message : '',
        what,
      );
    }
  } catch {
    // not a Status object: fall back to the reason phrase and the raw text
  }
  return new KubeApiError(status, phrase, text.trim().slice(0, 200), what);
}

/**
 * The client a setting names: `in-cluster` → {@link KubeClient.inCluster} (with `namespace` and
 * `timeoutMs` from `options` when given), anything else → an API server URL with `options`.
 * For `homeostat up --kubernetes in-cluster|URL`. Throws `invalid_argument` as the constructors do.
 * @example kubeClientFrom('http://127.0.0.1:8001', { namespace: 'shop' })
 */
export function kubeClientFrom(setting: string, options: Omit<KubeClientOptions, 'server'> = {}): KubeClient {
  if (setting === 'in-cluster') {
    return KubeClient.inCluster({
      ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
  }
  return new KubeClient({ ...options, server: setting });
}
