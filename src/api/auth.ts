/**
 * @module api/auth
 * Bearer-token authentication with scopes. Tokens are compared in constant time (SHA-256 of both
 * sides, then `timingSafeEqual`, over every configured token without an early exit).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HomeostatError, invalid } from '../errors.js';

/** What a token may do. `admin` implies every other scope. */
export type Scope = 'read' | 'ingest' | 'operate' | 'admin';

/** Every scope, in order of power. */
export const SCOPES: readonly Scope[] = ['read', 'ingest', 'operate', 'admin'];

/** A configured API token. `name` identifies it in logs; the token itself is never logged. */
export interface ApiToken {
  readonly token: string;
  readonly scopes: readonly Scope[];
  readonly name: string;
}

/** The principal a request was authenticated as. */
export interface Principal {
  readonly name: string;
  readonly scopes: readonly Scope[];
}

interface HashedToken {
  readonly digest: Buffer;
  readonly principal: Principal;
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Checks bearer tokens against a fixed list.
 * Fails at construction with `invalid_argument` on an empty token, an unknown scope or a duplicate.
 */
export class TokenAuthenticator {
  readonly #tokens: readonly HashedToken[];

  constructor(tokens: readonly ApiToken[]) {
    const seen = new Set<string>();
    this.#tokens = tokens.map((t, i) => {
      if (typeof t.token !== 'string' || t.token.length < 8) {
        throw invalid(`tokens[${i}] (${t.name}) must be a string of at least 8 characters`);
      }
      for (const s of t.scopes) {
        if (!SCOPES.includes(s))
          throw invalid(`tokens[${i}] (${t.name}) has unknown scope ${JSON.stringify(s)} (expected one of ${SCOPES.join(', ')})`);
      }
      if (seen.has(t.token)) throw invalid(`tokens[${i}] (${t.name}) repeats an earlier token`);
      seen.add(t.token);
      return { digest: sha256(t.token), principal: { name: t.name, scopes: [...t.scopes] } };
    });
  }

  /** Finds the principal for a presented token, in time independent of where (or whether) it matches. */
  identify(presented: string): Principal | undefined {
    const digest = sha256(presented);
    let found: Principal | undefined;
    for (const t of this.#tokens) {
      if (timingSafeEqual(digest, t.digest) && found === undefined) found = t.principal;
    }
    return found;
  }

  /**
   * Requires `scope` of the request's bearer token.
   * Throws `unauthenticated` (missing, malformed or unknown token) or `permission_denied` (scope lacking).
   */
  require(request: FastifyRequest, scope: Scope): Principal {
    const header = request.headers.authorization;
    if (header === undefined || header === '') {
      throw new HomeostatError(
        'unauthenticated',
        `this route needs a bearer token with scope "${scope}" (send Authorization: Bearer <token>)`,
      );
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new HomeostatError('unauthenticated', 'Authorization header must be "Bearer <token>"');
    const principal = this.identify(match[1] as string);
    if (!principal) throw new HomeostatError('unauthenticated', 'unknown bearer token');
    if (!hasScope(principal, scope)) {
      throw new HomeostatError(
        'permission_denied',
        `token "${principal.name}" lacks scope "${scope}" needed here (it has: ${principal.scopes.join(', ') || 'none'})`,
      );
    }
    return principal;
  }
}

/** True when the principal holds `scope` or `admin`. */
export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes('admin') || principal.scopes.includes(scope);
}
