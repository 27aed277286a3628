export { compileTextBook, DEFAULT_TEXTS, fillText, type TextBook, type TextIssue, type TextOverrides, type TextSources } from './text-book.js';
export { isTextKey, LANGS, PLACEHOLDERS, TEXT_KEYS, type Lang, type Placeholder, type TextKey, type Texts } from './text-keys.js';
export { formatTextsTemplate } from './texts-template.js';
