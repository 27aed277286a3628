import express, { type Request, type Response } from 'express';
import { ErrorCodes, GatewayError } from '../../errors.js';
import type { AuditEventType, AuditLog } from '../../observability/index.js';
import type { Logger } from '../../observability/index.js';
import type { Gegevensdienstnamenlijst, OAuthClientList } from '../../lists/index.js';
import { auditFields } from '../audit-fields.js';
import { parseBsn, type Bsn } from '../bsn.js';
import type { GrantDetailsStore } from '../grant-details.js';
import type { IdentityProvider } from '../identity/index.js';
import type { InteractionState, InteractionStateStore } from '../interaction-state.js';
import { pickLang, renderConsentPage, renderErrorPage, renderLandingPage, renderLoginPage, type Lang } from '../pages/index.js';
import type { OAuthProvider } from '../provider.js';
import { parseScope, type ServedProvider } from '../scope.js';

export type CheckAvailability = (
  providerName: string,
  serviceIds: readonly string[],
  bsn: string,
  signal: AbortSignal,
) => Promise<{ readonly patientRef: string; readonly serviceIds: readonly string[] } | undefined>;

export interface InteractionRouterDeps {
  readonly provider: OAuthProvider;
  readonly states: InteractionStateStore;
  readonly grants: GrantDetailsStore;
  readonly identity: IdentityProvider;
  readonly providers: readonly ServedProvider[];
  readonly currentOAuthClientList: () => OAuthClientList | undefined;
  readonly currentServiceNames: () => Gegevensdienstnamenlijst | undefined;
  readonly checkAvailability: CheckAvailability;
  readonly availabilityTimeoutMs: number;
  /** `{patientPublicUrl}/interaction/oidc-callback`: the redirect URI registered at the upstream broker. */
  readonly oidcCallbackUrl: string;
  readonly audit: AuditLog;
  readonly log: Logger;
}

/** Interaction uids are oidc-provider nanoids. */
const UID = /^[A-Za-z0-9_-]{10,64}$/;

/**
 * The Person's pages between the authorization request and the redirect back (digest §2.4):
 * landing → login → availability check → consent. Talks to oidc-provider only through
 * interactionDetails / interactionFinished. Every step writes its MedMij audit event; no step
 * logs or stores the BSN, which lives only in the request that carries it to the availability
 * check.
 */
export function createInteractionRouter(deps: InteractionRouterDeps): express.Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '2kb', parameterLimit: 10 });

  const providerOf = (state: InteractionState) => deps.providers.find((p) => p.name === state.providerName);
  const langOf = (req: Request, state?: InteractionState): Lang =>
    req.query.lang === 'en' || req.query.lang === 'nl' ? req.query.lang : (state?.lang ?? pickLang(undefined, req.get('accept-language')));
  const base = (uid: string) => `/interaction/${uid}`;
  const audit = (state: InteractionState, type: AuditEventType, outcome: 'success' | 'failure' | 'refused', extra: { reason?: string; patientRef?: string } = {}) =>
    deps.audit.record({
      type,
      outcome,
      ...auditFields({ sessionId: state.sessionId, traceId: state.traceId, clientId: state.clientId, providerId: state.providerName }),
      ...extra,
    });

  const failure = (res: Response, lang: Lang, status: number, state?: InteractionState) => {
    const provider = state ? providerOf(state) : deps.providers.length === 1 ? deps.providers[0] : undefined;
    res
      .status(status)
      .type('html')
      .send(
        renderErrorPage({
          lang,
          kind: 'failure',
          ...(provider ? { provider } : {}),
          ...(state ? { traceId: state.traceId, sessionId: state.sessionId } : {}),
        }),
      );
  };

  /** The interaction (cookie-bound by oidc-provider) and our state for it; renders a failure page when gone. */
  const load = async (req: Request, res: Response): Promise<{ uid: string; state: InteractionState } | undefined> => {
    const uid = String(req.params.uid ?? '');
    if (!UID.test(uid)) {
      failure(res, langOf(req), 400);
      return undefined;
    }
    let details;
    try {
      details = await deps.provider.interactionDetails(req, res);
    } catch (err) {
      // Storage down is our failure, not the browser's: the "Technische storing" page with 503.
      if (err instanceof GatewayError && err.code === ErrorCodes.STORAGE_UNAVAILABLE) {
        deps.log.error({ step: 'interaction_details', err: err.code }, 'interaction store unavailable');
        failure(res, langOf(req), 503);
        return undefined;
      }
      // Expired or foreign interaction (cookie missing): nothing to go back to.
      failure(res, langOf(req), 400);
      return undefined;
    }
    // A finished interaction takes no more posts: a replayed login or consent form must not
    // overwrite the result (another patient, another grant) before the browser resumes.
    if (details.uid !== uid || details.finished) {
      failure(res, langOf(req), 400);
      return undefined;
    }
    let state = await deps.states.get(uid);
    if (!state) {
      const initial = initialState(details.params, deps.providers, deps.currentOAuthClientList(), langOf(req));
      if (!initial) {
        failure(res, langOf(req), 400);
        return undefined;
      }
      state = initial;
      await deps.states.put(uid, state);
    }
    return { uid, state };
  };

  /** Ends the flow back at the PGO with an OAuth error (oidc-provider builds the redirect). */
  const finishWithError = async (req: Request, res: Response, uid: string, error: 'access_denied' | 'unauthorized_client', description: string) => {
    await deps.states.drop(uid);
    await deps.provider.finishInteraction(req, res, { error, description });
  };

  /** Availability check ("beschikbaarheidstoets"): the only place the BSN is used. */
  const afterLogin = async (req: Request, res: Response, uid: string, state: InteractionState, bsn: Bsn) => {
    audit(state, 'receive_authentication_response', 'success');
    let found;
    try {
      found = await deps.checkAvailability(state.providerName, state.serviceIds, bsn, AbortSignal.timeout(deps.availabilityTimeoutMs));
    } catch (err) {
      deps.log.error({ step: 'availability_check', providerId: state.providerName, err: err instanceof Error ? err.name : 'unknown' }, 'availability check failed');
      audit(state, 'availability_check', 'failure', { reason: 'technical_failure' });
      failure(res, langOf(req, state), 502, state);
      return;
    }
    const serviceIds = found ? found.serviceIds.filter((id) => state.serviceIds.includes(id)) : [];
    if (!found || serviceIds.length === 0) {
      audit(state, 'availability_check', 'refused', { reason: 'no_such_resources' });
      audit(state, 'send_authorization_request_error', 'refused', { reason: 'no_such_resources' });
      await finishWithError(req, res, uid, 'access_denied', 'No such resources.');
      return;
    }
    audit(state, 'availability_check', 'success', { patientRef: found.patientRef });
    await deps.states.put(uid, { ...state, patientRef: found.patientRef, availableServiceIds: serviceIds, lang: langOf(req, state) });
    res.redirect(303, `${base(uid)}/consent?lang=${langOf(req, state)}`);
  };

  router.get('/interaction/oidc-callback', async (req, res) => {
    const upstreamState = typeof req.query.state === 'string' ? req.query.state : '';
    const uid = /^[A-Za-z0-9_-]{16,128}$/.test(upstreamState) ? await deps.states.takeUpstreamState(upstreamState) : undefined;
    if (!uid) {
      failure(res, langOf(req), 400);
      return;
    }
    const query = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
    res.redirect(303, `${base(uid)}/callback?${query.toString()}`);
  });

  router.get('/interaction/:uid', async (req, res) => {
    const loaded = await load(req, res);
    if (!loaded) return;
    const { uid, state } = loaded;
    const lang = langOf(req, state);
    if (lang !== state.lang) await deps.states.put(uid, { ...state, lang });
    const provider = providerOf(state);
    audit(state, 'show_landing_page', 'success');
    res.type('html').send(
      renderLandingPage({
        lang,
        pgo: state.organisationName,
        provider: provider?.displayName ?? state.providerName,
        loginHref: `${base(uid)}/login?lang=${lang}`,
        cancelHref: `${base(uid)}/cancel?lang=${lang}`,
        selfHref: (l) => `${base(uid)}?lang=${l}`,
      }),
    );
  });

  router.get('/interaction/:uid/login', async (req, res) => {
    const loaded = await load(req, res);
    if (!loaded) return;
    const { uid, state } = loaded;
    const lang = langOf(req, state);
    let start;
    try {
      start = await deps.identity.begin();
    } catch (err) {
      deps.log.error({ step: 'login_start', err: err instanceof Error ? err.message : 'unknown' }, 'identity provider unavailable');
      audit(state, 'send_authentication_request', 'failure', { reason: 'identity_provider_unavailable' });
      failure(res, lang, 502, state);
      return;
    }
    audit(state, 'send_authentication_request', 'success');
    if (start.kind === 'redirect') {
      const upstreamState = start.pending.state;
      if (upstreamState) await deps.states.linkUpstreamState(upstreamState, uid);
      await deps.states.put(uid, { ...state, pendingLogin: start.pending, lang });
      res.redirect(303, start.url);
      return;
    }
    res.type('html').send(renderLoginPage({ lang, provider: providerOf(state)?.displayName ?? state.providerName, action: `${base(uid)}/login?lang=${lang}`, cancelHref: `${base(uid)}/cancel?lang=${lang}`, invalid: false }));
  });

  router.post('/interaction/:uid/login', form, async (req, res) => {
    const loaded = await load(req, res);
    if (!loaded) return;
    const { uid, state } = loaded;
    const lang = langOf(req, state);
    if (deps.identity.kind !== 'digid-simulator') {
      failure(res, lang, 404, state);
      return;
    }
    const bsn = parseBsn((req.body as Record<string, unknown> | undefined)?.bsn);
    if (!bsn) {
      audit(state, 'receive_authentication_error', 'failure', { reason: 'invalid_bsn' });
      res.status(400).type('html').send(renderLoginPage({ lang, provider: providerOf(state)?.displayName ?? state.providerName, action: `${base(uid)}/login?lang=${lang}`, cancelHref: `${base(uid)}/cancel?lang=${lang}`, invalid: true }));
      return;
    }
    await afterLogin(req, res, uid, state, bsn);
  });

  router.get('/interaction/:uid/callback', async (req, res) => {
    const loaded = await load(req, res);
    if (!loaded) return;
    const { uid, state } = loaded;
    if (!state.pendingLogin) {
      failure(res, langOf(req, state), 400, state);
      return;
    }
    const { pendingLogin, ...rest } = state;
    await deps.states.put(uid, rest); // one attempt per login start
    // The URL the broker redirected to (the fixed one registered there), with its query.
    const current = new URL(deps.oidcCallbackUrl);
    current.search = req.originalUrl.split('?')[1] ?? '';
    const outcome = await deps.identity.complete(current, pendingLogin);
    if (!outcome.ok && outcome.reason === 'cancelled') {
      // The Person cancelled at DigiD: MedMij's receive_authorization_cancellation (Logging interface 5.1).
      audit(rest, 'receive_authorization_cancellation', 'refused', { reason: 'cancelled' });
      audit(rest, 'send_authorization_cancellation', 'refused');
      await finishWithError(req, res, uid, 'access_denied', 'Authorization cancelled.');
      return;
    }
    if (!outcome.ok) {
      // Digest §2.5 table row 2: identity could not be established.
      audit(rest, 'receive_authentication_error', 'failure', { reason: 'authentication_failed' });
      audit(rest, 'send_authorization_request_error', 'failure', { reason: 'authentication_failed' });
      await finishWithError(req, res, uid, 'unauthorized_client', 'Authentication failed.');
      return;
    }
    await afterLogin(req, res, uid, rest, outcome.bsn);
  });

  router.get('/interaction/:uid/consent', async (req, res) => {
    const loaded = await load(req, res);
    if (!loaded) return;
    const { uid, state } = loaded;
    const lang = langOf(req, state);
    if (!state.patientRef || !state.availableServiceIds) {
      failure(res, lang, 400, state);
      return;
    }
    const names = deps.currentServiceNames();
    audit(state, 'show_consent_page', 'success');
    res.type('html').send(
      renderConsentPage({
        lang,
        pgo: state.organisationName,
        provider: providerOf(state)?.displayName ?? state.providerName,
        services: state.availableServiceIds.map((id) => names?.byId(id)?.displayName ?? (lang === 'nl' ? `Gegevensdienst ${id}` : `Data service ${id}`)),
        action: `${base(uid)}/consent?lang=${lang}`,
      }),
    );
  });

  router.post('/interaction/:uid/consent', form, async (req, res) => {
    const loaded = await load(req, res);
    if (!loaded) return;
    const { uid, state } = loaded;
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!state.patientRef || !state.availableServiceIds || (body.decision !== 'allow' && body.decision !== 'deny')) {
      failure(res, langOf(req, state), 400, state);
      return;
    }
    if (body.decision === 'deny') {
      audit(state, 'send_authorization_request_error', 'refused', { reason: 'consent_refused' });
      await finishWithError(req, res, uid, 'access_denied', 'Authorization denied.');
      return;
    }
    // A PGO removed from the OCL during the flow does not get a code.
    if (!deps.currentOAuthClientList()?.byHostname(state.clientId)) {
      audit(state, 'authorization_request_error', 'refused', { reason: 'client_not_on_list' });
      res.status(400).type('html').send(renderErrorPage({ lang: langOf(req, state), kind: 'request', traceId: state.traceId, sessionId: state.sessionId }));
      return;
    }
    const longTerm = body.longTerm === 'yes';
    const grantId = await deps.provider.createGrant(state.patientRef, state.clientId, state.scope);
    await deps.grants.put(grantId, {
      providerName: state.providerName,
      serviceIds: state.availableServiceIds,
      patientRef: state.patientRef,
      sessionId: state.sessionId,
      longTerm,
    });
    await deps.states.drop(uid);
    await deps.provider.finishInteraction(req, res, { accountId: state.patientRef, grantId });
  });

  router.get('/interaction/:uid/cancel', async (req, res) => {
    const loaded = await load(req, res);
    if (!loaded) return;
    audit(loaded.state, 'send_authorization_cancellation', 'refused');
    await finishWithError(req, res, loaded.uid, 'access_denied', 'Authorization cancelled.');
  });

  return router;
}

function initialState(
  params: Readonly<Record<string, unknown>>,
  providers: readonly ServedProvider[],
  ocl: OAuthClientList | undefined,
  lang: Lang,
): InteractionState | undefined {
  const clientId = params.client_id;
  const scope = params.scope;
  const traceId = params['MedMij-Request-ID'];
  const sessionId = params['X-Correlation-ID'];
  if (typeof clientId !== 'string' || typeof scope !== 'string' || typeof traceId !== 'string' || typeof sessionId !== 'string') return undefined;
  const client = ocl?.byHostname(clientId);
  const parsed = parseScope(scope, providers);
  if (!client || !parsed.ok) return undefined;
  return {
    clientId,
    organisationName: client.organisationName,
    providerName: parsed.value.providerName,
    serviceIds: parsed.value.serviceIds,
    scope: parsed.value.scope,
    traceId,
    sessionId,
    lang,
  };
}
