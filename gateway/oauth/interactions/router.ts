import { randomBytes } from 'node:crypto';
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
import {
  isLang,
  pickLanguage,
  renderConfirmationPage,
  renderConsentPage,
  renderFailurePage,
  renderLandingPage,
  renderLoginPage,
  renderMessagePage,
  type CreateView,
  type Lang,
  type MessagePage,
  type PageRequest,
} from '../pages/index.js';
import type { OAuthProvider } from '../provider.js';
import { parseScope, type ServedProvider } from '../scope.js';
import { checkCsrf, checkOrigin } from './form-guard.js';

export type CheckAvailability = (
  providerName: string,
  serviceIds: readonly string[],
  bsn: string,
  signal: AbortSignal,
) => Promise<{ readonly patientRef: string; readonly serviceIds: readonly string[] } | undefined>;

/**
 * The acceptance check of Delen: can this care provider accept data of this Delen service for
 * this person? The BSN goes to the EHR lookup and no further; the answer is the patient
 * reference the shared data will be stored under, or undefined when the EHR cannot accept it.
 */
export type CheckShareAcceptance = (
  providerName: string,
  serviceId: string,
  bsn: string,
  signal: AbortSignal,
) => Promise<{ readonly patientRef: string } | undefined>;

/** error_description of a refused share (MedMij "Duiding van fouten": fixed, meaningful values). */
export const SHARE_NOT_ACCEPTED = 'The care provider cannot accept this data for this person.';

export interface InteractionRouterDeps {
  readonly provider: OAuthProvider;
  readonly states: InteractionStateStore;
  readonly grants: GrantDetailsStore;
  readonly identity: IdentityProvider;
  readonly providers: readonly ServedProvider[];
  readonly currentOAuthClientList: () => OAuthClientList | undefined;
  readonly currentServiceNames: () => Gegevensdienstnamenlijst | undefined;
  readonly checkAvailability: CheckAvailability;
  readonly checkShareAcceptance: CheckShareAcceptance;
  readonly availabilityTimeoutMs: number;
  /** `{patientPublicUrl}/interaction/oidc-callback`: the redirect URI registered at the upstream broker. */
  readonly oidcCallbackUrl: string;
  /** Origin of the patient interface as browsers see it (its public URL): the one our forms accept. */
  readonly patientOrigin: string;
  /** Outside production also the origin the request was served on (`https://` + Host). */
  readonly acceptServedOrigin: boolean;
  readonly view: CreateView;
  readonly audit: AuditLog;
  readonly log: Logger;
}

/** Interaction uids are oidc-provider nanoids. */
const UID = /^[A-Za-z0-9_-]{10,64}$/;

/** The non-technical ends, each with its own page, status and log reason (issue 16). */
const OUTCOME_STATUS: Readonly<Record<Exclude<MessagePage, 'home' | 'requestError'>, number>> = {
  expired: 410,
  answered: 409,
  forbidden: 403,
  cancelled: 200,
  cancelledShare: 200,
  notAvailable: 404,
};

/** An interaction at the consent or confirmation step: the patient is known, and so are the services on offer. */
type AnsweringState = InteractionState & { readonly patientRef: string; readonly availableServiceIds: readonly string[] };

/**
 * The Person's pages between the authorization request and the redirect back (digest §2.4):
 * landing → login → availability check → consent, with a page of its own for every other end
 * (cancelled, nothing available, expired, already answered, a forged form, a technical failure).
 * Talks to oidc-provider only through interactionDetails / interactionFinished. Every form is
 * guarded by an Origin check and the interaction's CSRF token. Every step writes its MedMij
 * audit event; no step logs or stores the BSN, which lives only in the request that carries it
 * to the availability check.
 */
export function createInteractionRouter(deps: InteractionRouterDeps): express.Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '2kb', parameterLimit: 10 });

  const langOf = (req: Request, state?: InteractionState): Lang => (isLang(req.query.lang) ? req.query.lang : (state?.lang ?? pickLanguage({ acceptLanguage: req.get('accept-language') })));
  const other = (lang: Lang): Lang => (lang === 'nl' ? 'en' : 'nl');
  const base = (uid: string) => `/interaction/${uid}`;
  /**
   * The same page in the other language: a query-only relative link, so the browser keeps the
   * path and the page echoes nothing of the request (house rule 6). After a POST it lands on the
   * GET of the same path, which every form path has.
   */
  const switchOf = (lang: Lang) => `?lang=${other(lang)}`;
  const viewFor = (lang: Lang, state: InteractionState | undefined, extra: Partial<PageRequest> = {}) =>
    deps.view({
      lang,
      providerName: state?.providerName ?? (deps.providers.length === 1 ? deps.providers[0]!.name : undefined),
      pgo: state?.organisationName,
      switchHref: switchOf(lang),
      ...extra,
    });
  const audit = (state: InteractionState, type: AuditEventType, outcome: 'success' | 'failure' | 'refused', extra: { reason?: string; patientRef?: string; oauthError?: string } = {}) =>
    deps.audit.record({
      type,
      outcome,
      ...auditFields({ sessionId: state.sessionId, traceId: state.traceId, clientId: state.clientId, providerId: state.providerName }),
      ...extra,
    });

  const html = (res: Response, status: number, body: string) => {
    res.status(status).type('html').set('Cache-Control', 'no-store').send(body);
  };

  /** A non-technical end: its page, its status, and the reason in the log (never patient data). */
  const outcomePage = (req: Request, res: Response, page: keyof typeof OUTCOME_STATUS, reason: string, state?: InteractionState, backHref?: string) => {
    const status = OUTCOME_STATUS[page];
    const lang = langOf(req, state);
    deps.log.info({ step: 'patient_page', page, status, reason, ...(state ? { sessionId: state.sessionId, traceId: state.traceId } : {}) }, 'patient page shown');
    const services = page === 'notAvailable' && state ? { services: serviceNames(state.serviceIds) } : {};
    html(res, status, renderMessagePage(viewFor(lang, state, services), page, backHref ? { backHref } : {}));
  };

  const requestError = (req: Request, res: Response, reason: string) => {
    const lang = langOf(req);
    deps.log.info({ step: 'patient_page', page: 'requestError', status: 400, reason }, 'patient page shown');
    html(res, 400, renderMessagePage(viewFor(lang, undefined), 'requestError'));
  };

  /**
   * Technische storing (S13): our failure, with the ids the Person can read out. `uid` is given
   * only inside a live interaction, whose client_id and redirect_uri were checked: only then does
   * the page offer the way back to the PGO (S13), which ends the flow with access_denied.
   */
  const failure = async (req: Request, res: Response, status: number, reason: string, state?: InteractionState, uid?: string) => {
    const lang = langOf(req, state);
    deps.log.warn({ step: 'patient_page', page: 'failure', status, reason, ...(state ? { sessionId: state.sessionId, traceId: state.traceId } : {}) }, 'technical failure page shown');
    if (state && uid) await deps.states.put(uid, { ...answered(state), outcome: 'failed' });
    const ids = state ? { traceId: state.traceId, sessionId: state.sessionId } : {};
    html(res, status, renderFailurePage(viewFor(lang, state), { ...ids, ...(state && uid ? { backHref: `${base(uid)}/return` } : {}) }));
  };

  const serviceNames = (ids: readonly string[]) => {
    const names = deps.currentServiceNames();
    return ids.map((id) => ({ id, name: names?.byId(id)?.displayName }));
  };

  /**
   * The interaction (cookie-bound by oidc-provider) and our state for it. Renders the page for
   * every way it can be gone: malformed uid (400), answered before (409), expired or not this
   * browser's (410), storage down (503).
   */
  const load = async (req: Request, res: Response): Promise<{ uid: string; state: InteractionState } | undefined> => {
    const uid = String(req.params.uid ?? '');
    if (!UID.test(uid)) {
      requestError(req, res, 'malformed_interaction_id');
      return undefined;
    }
    let state: InteractionState | undefined;
    try {
      state = await deps.states.get(uid);
    } catch (err) {
      deps.log.error({ step: 'interaction_state', err: err instanceof GatewayError ? err.code : 'unknown' }, 'interaction store unavailable');
      await failure(req, res, 503, 'storage_unavailable');
      return undefined;
    }
    // A finished interaction takes no more posts: a replayed login or consent form must not
    // overwrite the result (another patient, another grant) before the browser resumes.
    if (state?.outcome === 'answered') {
      outcomePage(req, res, 'answered', 'interaction_already_answered', state);
      return undefined;
    }
    let details;
    try {
      details = await deps.provider.interactionDetails(req, res);
    } catch (err) {
      // Storage down is our failure, not the browser's: the "Technische storing" page with 503.
      if (err instanceof GatewayError && err.code === ErrorCodes.STORAGE_UNAVAILABLE) {
        deps.log.error({ step: 'interaction_details', err: err.code }, 'interaction store unavailable');
        await failure(req, res, 503, 'storage_unavailable', state);
        return undefined;
      }
      // Expired, or not this browser's (no interaction cookie): nothing to go back to.
      outcomePage(req, res, 'expired', state ? 'interaction_cookie_missing' : 'interaction_expired_or_unknown', state);
      return undefined;
    }
    if (details.finished) {
      outcomePage(req, res, 'answered', 'interaction_already_answered', state);
      return undefined;
    }
    if (details.uid !== uid) {
      outcomePage(req, res, 'expired', 'interaction_of_another_flow', undefined);
      return undefined;
    }
    if (!state) {
      const initial = initialState(details.params, deps.providers, deps.currentOAuthClientList(), pickLanguage({ uiLocales: details.params.ui_locales, acceptLanguage: req.get('accept-language') }));
      if (!initial) {
        requestError(req, res, 'interaction_parameters_invalid');
        return undefined;
      }
      state = initial;
      await deps.states.put(uid, state);
    }
    if (isLang(req.query.lang) && req.query.lang !== state.lang) {
      state = { ...state, lang: req.query.lang };
      await deps.states.put(uid, state);
    }
    return { uid, state };
  };

  /** load() plus the form guard: Origin first (no state needed), then the interaction's CSRF token. */
  const loadForm = async (req: Request, res: Response): Promise<{ uid: string; state: InteractionState } | undefined> => {
    const loaded = await load(req, res);
    if (!loaded) return undefined;
    const refusal = checkOrigin(req, { publicOrigin: deps.patientOrigin, alsoServedOrigin: deps.acceptServedOrigin }) ?? checkCsrf(req.body, loaded.state.csrf);
    if (refusal) {
      audit(loaded.state, 'interaction_form_refused', 'refused', { reason: refusal });
      outcomePage(req, res, 'forbidden', refusal, loaded.state);
      return undefined;
    }
    return loaded;
  };

  /** Ends the flow back at the PGO with an OAuth error (oidc-provider builds the redirect). */
  /**
   * Whether the consent page (a Verzamelen flow) or the confirmation page (a Delen flow) may be
   * shown or answered now: after login, before an outcome, in its own kind of flow. Otherwise the
   * expired page, with the reason in the log.
   */
  const answering = (req: Request, res: Response, state: InteractionState, page: 'consent' | 'confirm'): AnsweringState | undefined => {
    const inShareFlow = Boolean(state.share);
    if (state.patientRef && state.availableServiceIds && !state.outcome && inShareFlow === (page === 'confirm')) {
      return { ...state, patientRef: state.patientRef, availableServiceIds: state.availableServiceIds };
    }
    const reason = page === 'consent' ? (inShareFlow ? 'consent_in_share_flow' : 'consent_before_login') : inShareFlow ? 'confirmation_before_login' : 'confirmation_not_in_share_flow';
    outcomePage(req, res, 'expired', reason, state);
    return undefined;
  };

  /**
   * The patient's answer on the consent (Verzamelen) or the confirmation (Delen) form, one rule
   * for both: no answer is a request error, a refusal ends the flow with access_denied, and a yes
   * creates the grant, unless the PGO left the OAuth client list during the flow (no code then).
   */
  const grantOnAnswer = async (
    req: Request,
    res: Response,
    uid: string,
    state: AnsweringState,
    decision: unknown,
    form: { readonly missing: string; readonly refused: { readonly reason: string; readonly oauthError?: string }; readonly grant: { readonly longTerm: boolean; readonly share?: true } },
  ): Promise<void> => {
    if (decision !== 'allow' && decision !== 'deny') {
      requestError(req, res, form.missing);
      return;
    }
    if (decision === 'deny') {
      audit(state, 'send_authorization_request_error', 'refused', { ...form.refused });
      await finishWithError(req, res, uid, state, 'access_denied', 'Authorization denied.');
      return;
    }
    if (!deps.currentOAuthClientList()?.byHostname(state.clientId)) {
      audit(state, 'authorization_request_error', 'refused', { reason: 'client_not_on_list' });
      requestError(req, res, 'client_not_on_list');
      return;
    }
    const grantId = await deps.provider.createGrant(state.patientRef, state.clientId, state.scope);
    await deps.grants.put(grantId, {
      providerName: state.providerName,
      serviceIds: state.availableServiceIds,
      patientRef: state.patientRef,
      sessionId: state.sessionId,
      ...form.grant,
    });
    await deps.states.put(uid, answered(state));
    await deps.provider.finishInteraction(req, res, { accountId: state.patientRef, grantId });
  };

  const finishWithError = async (req: Request, res: Response, uid: string, state: InteractionState, error: 'access_denied' | 'unauthorized_client', description: string) => {
    await deps.states.put(uid, answered(state));
    await deps.provider.finishInteraction(req, res, { error, description });
  };

  /** Availability check ("beschikbaarheidstoets"): the only place the BSN is used. */
  const afterLogin = async (req: Request, res: Response, uid: string, state: InteractionState, bsn: Bsn) => {
    audit(state, 'receive_authentication_response', 'success');
    if (state.share) {
      await afterLoginForShare(req, res, uid, state, bsn);
      return;
    }
    let found;
    try {
      found = await deps.checkAvailability(state.providerName, state.serviceIds, bsn, AbortSignal.timeout(deps.availabilityTimeoutMs));
    } catch (err) {
      deps.log.error({ step: 'availability_check', providerId: state.providerName, err: err instanceof Error ? err.name : 'unknown' }, 'availability check failed');
      audit(state, 'availability_check', 'failure', { reason: 'technical_failure' });
      await failure(req, res, 502, 'availability_check_failed', state, uid);
      return;
    }
    const serviceIds = found ? found.serviceIds.filter((id) => state.serviceIds.includes(id)) : [];
    if (!found || serviceIds.length === 0) {
      audit(state, 'availability_check', 'refused', { reason: 'no_such_resources' });
      await deps.states.put(uid, { ...state, outcome: 'not_available' });
      res.redirect(303, `${base(uid)}/unavailable?lang=${langOf(req, state)}`);
      return;
    }
    audit(state, 'availability_check', 'success', { patientRef: found.patientRef });
    await deps.states.put(uid, { ...state, patientRef: found.patientRef, availableServiceIds: serviceIds, lang: langOf(req, state) });
    res.redirect(303, `${base(uid)}/consent?lang=${langOf(req, state)}`);
  };

  /**
   * Delen: the acceptance check instead of the availability check. A refusal ends the flow at
   * the PGO with access_denied and a fixed description; the Person sees the PGO's explanation.
   */
  const afterLoginForShare = async (req: Request, res: Response, uid: string, state: InteractionState, bsn: Bsn) => {
    const serviceId = state.serviceIds[0]!;
    let accepted;
    try {
      accepted = await deps.checkShareAcceptance(state.providerName, serviceId, bsn, AbortSignal.timeout(deps.availabilityTimeoutMs));
    } catch (err) {
      deps.log.error({ step: 'share_acceptance_check', providerId: state.providerName, err: err instanceof Error ? err.name : 'unknown' }, 'share acceptance check failed');
      audit(state, 'share_acceptance_check', 'failure', { reason: 'technical_failure' });
      await failure(req, res, 502, 'share_acceptance_check_failed', state, uid);
      return;
    }
    if (!accepted) {
      audit(state, 'share_acceptance_check', 'refused', { reason: 'share_not_accepted' });
      audit(state, 'send_authorization_request_error', 'refused', { reason: 'share_not_accepted', oauthError: 'access_denied' });
      await finishWithError(req, res, uid, state, 'access_denied', SHARE_NOT_ACCEPTED);
      return;
    }
    audit(state, 'share_acceptance_check', 'success', { patientRef: accepted.patientRef });
    await deps.states.put(uid, { ...state, patientRef: accepted.patientRef, availableServiceIds: [serviceId], lang: langOf(req, state) });
    res.redirect(303, `${base(uid)}/confirm?lang=${langOf(req, state)}`);
  };

  router.get('/interaction/oidc-callback', async (req, res) => {
    const upstreamState = typeof req.query.state === 'string' ? req.query.state : '';
    const uid = /^[A-Za-z0-9_-]{16,128}$/.test(upstreamState) ? await deps.states.takeUpstreamState(upstreamState) : undefined;
    if (!uid) {
      outcomePage(req, res, 'expired', 'upstream_state_unknown');
      return;
    }
    const query = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
    res.redirect(303, `${base(uid)}/callback?${query.toString()}`);
  });

  router.get('/interaction/:uid', async (req, res) => {
    const loaded = await load(req, res);
    if (!loaded) return;
    const { uid, state } = loaded;
    if (state.outcome === 'failed') {
      await failure(req, res, 502, 'failure_page_again', state, uid);
      return;
    }
    if (state.outcome) {
      res.redirect(303, `${base(uid)}/${state.outcome === 'cancelled' ? 'cancelled' : 'unavailable'}?lang=${state.lang}`);
      return;
    }
    audit(state, 'show_landing_page', 'success');
    html(res, 200, renderLandingPage(viewFor(state.lang, state), { share: state.share === true, loginHref: `${base(uid)}/login?lang=${state.lang}`, cancelAction: `${base(uid)}/cancel?lang=${state.lang}`, csrf: state.csrf }));
  });

  router.get('/interaction/:uid/login', async (req, res) => {
    const loaded = await load(req, res);
    if (!loaded) return;
    const { uid, state } = loaded;
    const lang = state.lang;
    let start;
    try {
      start = await deps.identity.begin();
    } catch (err) {
      deps.log.error({ step: 'login_start', err: err instanceof Error ? err.message : 'unknown' }, 'identity provider unavailable');
      audit(state, 'send_authentication_request', 'failure', { reason: 'identity_provider_unavailable' });
      await failure(req, res, 502, 'identity_provider_unavailable', state, uid);
      return;
    }
    audit(state, 'send_authentication_request', 'success');
    if (start.kind === 'redirect') {
      const upstreamState = start.pending.state;
      if (upstreamState) await deps.states.linkUpstreamState(upstreamState, uid);
      await deps.states.put(uid, { ...state, pendingLogin: start.pending });
      res.redirect(303, start.url);
      return;
    }
    html(res, 200, renderLoginPage(viewFor(lang, state), { action: `${base(uid)}/login?lang=${lang}`, cancelAction: `${base(uid)}/cancel?lang=${lang}`, csrf: state.csrf, invalid: false }));
  });

  router.post('/interaction/:uid/login', form, async (req, res) => {
    const loaded = await loadForm(req, res);
    if (!loaded) return;
    const { uid, state } = loaded;
    if (deps.identity.kind !== 'digid-simulator' || state.outcome) {
      outcomePage(req, res, 'answered', 'login_form_not_expected', state);
      return;
    }
    const bsn = parseBsn((req.body as Record<string, unknown> | undefined)?.bsn);
    if (!bsn) {
      audit(state, 'receive_authentication_error', 'failure', { reason: 'invalid_bsn' });
      const lang = state.lang;
      html(res, 400, renderLoginPage(viewFor(lang, state), { action: `${base(uid)}/login?lang=${lang}`, cancelAction: `${base(uid)}/cancel?lang=${lang}`, csrf: state.csrf, invalid: true }));
      return;
    }
    await afterLogin(req, res, uid, state, bsn);
  });

  router.get('/interaction/:uid/callback', async (req, res) => {
    const loaded = await load(req, res);
    if (!loaded) return;
    const { uid, state } = loaded;
    if (!state.pendingLogin) {
      outcomePage(req, res, 'expired', 'no_login_pending', state);
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
      await finishWithError(req, res, uid, rest, 'access_denied', 'Authorization cancelled.');
      return;
    }
    if (!outcome.ok) {
      // Digest §2.5 table row 2: identity could not be established (also: assurance level too low).
      audit(rest, 'receive_authentication_error', 'failure', { reason: outcome.reason === 'assurance_too_low' ? 'assurance_too_low' : 'authentication_failed' });
      audit(rest, 'send_authorization_request_error', 'failure', { reason: 'authentication_failed' });
      await finishWithError(req, res, uid, rest, 'unauthorized_client', 'Authentication failed.');
      return;
    }
    await afterLogin(req, res, uid, rest, outcome.bsn);
  });

  router.get('/interaction/:uid/consent', async (req, res) => {
    const loaded = await load(req, res);
    if (!loaded) return;
    const { uid } = loaded;
    const state = answering(req, res, loaded.state, 'consent');
    if (!state) return;
    audit(state, 'show_consent_page', 'success');
    html(res, 200, renderConsentPage(viewFor(state.lang, state, { services: serviceNames(state.availableServiceIds) }), { action: `${base(uid)}/consent?lang=${state.lang}`, csrf: state.csrf }));
  });

  router.post('/interaction/:uid/consent', form, async (req, res) => {
    const loaded = await loadForm(req, res);
    if (!loaded) return;
    const { uid } = loaded;
    const body = (req.body ?? {}) as Record<string, unknown>;
    // A Delen flow never passes the consent form: its long-term box would mean a refresh token.
    const state = answering(req, res, loaded.state, 'consent');
    if (!state) return;
    await grantOnAnswer(req, res, uid, state, body.decision, {
      missing: 'consent_decision_missing',
      refused: { reason: 'consent_refused' },
      grant: { longTerm: body.longTerm === 'yes' },
    });
  });

  // Bevestigingsverklaring (Delen): what will be sent, to whom; confirmed for this one run only.
  router.get('/interaction/:uid/confirm', async (req, res) => {
    const loaded = await load(req, res);
    if (!loaded) return;
    const { uid } = loaded;
    const state = answering(req, res, loaded.state, 'confirm');
    if (!state) return;
    audit(state, 'show_confirmation_page', 'success');
    html(res, 200, renderConfirmationPage(viewFor(state.lang, state, { services: serviceNames(state.availableServiceIds) }), { action: `${base(uid)}/confirm?lang=${state.lang}`, csrf: state.csrf }));
  });

  router.post('/interaction/:uid/confirm', form, async (req, res) => {
    const loaded = await loadForm(req, res);
    if (!loaded) return;
    const { uid } = loaded;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const state = answering(req, res, loaded.state, 'confirm');
    if (!state) return;
    // For this one run only: there is no long-term option, whatever the form carries.
    await grantOnAnswer(req, res, uid, state, body.decision, {
      missing: 'confirmation_decision_missing',
      refused: { reason: 'confirmation_refused', oauthError: 'access_denied' },
      grant: { longTerm: false, share: true },
    });
  });

  // Annuleringspagina: the cancel is a guarded form; its page then offers the way back.
  // The GET of the cancel path (a language switch on a page answering the cancel form): the landing page.
  router.get('/interaction/:uid/cancel', async (req, res) => {
    const loaded = await load(req, res);
    if (loaded) res.redirect(303, `${base(loaded.uid)}?lang=${loaded.state.lang}`);
  });

  router.post('/interaction/:uid/cancel', form, async (req, res) => {
    const loaded = await loadForm(req, res);
    if (!loaded) return;
    const { uid, state } = loaded;
    audit(state, 'send_authorization_cancellation', 'refused');
    await deps.states.put(uid, { ...state, outcome: 'cancelled' });
    res.redirect(303, `${base(uid)}/cancelled?lang=${state.lang}`);
  });

  // The pages of an end that still has a way back to the PGO: shown only in that state.
  const endPages = [
    { path: 'cancelled', outcome: 'cancelled', page: 'cancelled', reason: 'cancelled_by_person' },
    { path: 'unavailable', outcome: 'not_available', page: 'notAvailable', reason: 'no_such_resources' },
  ] as const;
  for (const end of endPages) {
    router.get(`/interaction/:uid/${end.path}`, async (req, res) => {
      const loaded = await load(req, res);
      if (!loaded) return;
      const { uid, state } = loaded;
      if (state.outcome !== end.outcome) outcomePage(req, res, 'expired', `not_${end.outcome}`, state);
      else outcomePage(req, res, end.page === 'cancelled' && state.share ? 'cancelledShare' : end.page, end.reason, state, `${base(uid)}/return`);
    });
  }

  /** Back to the PGO after the cancellation or not-available page (the decision was taken by a guarded form or the EHR). */
  router.get('/interaction/:uid/return', async (req, res) => {
    const loaded = await load(req, res);
    if (!loaded) return;
    const { uid, state } = loaded;
    if (state.outcome === 'cancelled') {
      await finishWithError(req, res, uid, state, 'access_denied', 'Authorization cancelled.');
    } else if (state.outcome === 'failed') {
      // Digest §2.5 row 5: the authorization could not be established.
      audit(state, 'send_authorization_request_error', 'failure', { reason: 'technical_failure' });
      await finishWithError(req, res, uid, state, 'access_denied', 'Authorization failed.');
    } else if (state.outcome === 'not_available') {
      audit(state, 'send_authorization_request_error', 'refused', { reason: 'no_such_resources' });
      await finishWithError(req, res, uid, state, 'access_denied', 'No such resources.');
    } else {
      outcomePage(req, res, 'expired', 'nothing_to_return_from', state);
    }
  });

  return router;
}

/** What stays of an answered interaction: enough for the "already answered" page, no patient reference. */
function answered(state: InteractionState): InteractionState {
  const { pendingLogin: _pending, patientRef: _patient, availableServiceIds: _services, ...rest } = state;
  return { ...rest, outcome: 'answered' };
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
    ...(parsed.value.share ? { share: true } : {}),
    traceId,
    sessionId,
    lang,
    csrf: randomBytes(32).toString('base64url'),
  };
}
