export { renderLandingPage } from './landing-page.js';
export { renderLoginPage } from './login-page.js';
export { renderConsentPage } from './consent-page.js';
export { renderErrorPage } from './error-page.js';
export { STYLESHEET } from './stylesheet.js';
export { STYLESHEET_PATH, escapeHtml } from './render-page.js';
export { pickLang, TEXTS, type Lang } from './texts.js';
