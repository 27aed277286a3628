import * as lists from '../../../gateway/lists/index.js';

describe('gateway/lists public API', () => {
  it('exports the parsers, sources, manager and CLI helpers through index.ts', () => {
    for (const name of ['parseList', 'parseAnyList', 'parseWhitelist', 'createListManager', 'createHttpsListSource', 'createFileListSource', 'createListSource', 'checkListFile', 'formatList'] as const) {
      expect(typeof lists[name]).toBe('function');
    }
    expect(new lists.ListParseError('whitelist', 'Whitelist', 'x').code).toBe('GW_ERR_LIST_INVALID');
    expect(lists.LIST_KINDS).toHaveLength(4);
  });
});
