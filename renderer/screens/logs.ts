// Logs: the gateway's log, following live, with filters by level, part and account, search,
// copy, and the redacted diagnostics export to attach to a support request.
import type { LogLine } from '../../main/control/contract.ts';
import { errorWords } from '../api.ts';
import { field, h, replaceChildren, setText } from '../dom.ts';
import { accountLabel } from '../format.ts';
import { button, heading, notice, runAction, type Screen, type ScreenContext } from '../ui.ts';
import { copyText } from './link.ts';

const LEVELS: LogLine['level'][] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
const MAX_SHOWN = 1000;
const QUIET_KEYS = new Set(['time', 'level', 'subsystem', 'accountId', 'msg', 'pid', 'hostname', 'v']);

function lineText(l: LogLine): string {
  const t = new Date(l.time);
  const extra = Object.entries(l).filter(([k]) => !QUIET_KEYS.has(k)).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  return `${t.toISOString()} ${l.level.toUpperCase()} ${l.subsystem ?? '-'}${l.accountId ? `/${l.accountId}` : ''} ${l.msg}${extra ? ` ${extra}` : ''}`;
}

export function logsScreen(ctx: ScreenContext): Screen {
  const level = h('select', null, h('option', { attrs: { value: '' }, text: 'Everything' }), h('option', { attrs: { value: 'info' }, text: 'Info and worse' }),
    h('option', { attrs: { value: 'warn' }, text: 'Warnings and errors' }), h('option', { attrs: { value: 'error' }, text: 'Errors only' }));
  level.value = ctx.params.get('level') ?? 'info';
  const subsystem = h('select', null, h('option', { attrs: { value: '' }, text: 'All parts' }));
  const account = h('select', null, h('option', { attrs: { value: '' }, text: 'All accounts' }),
    ...(ctx.store.state.summary?.accounts ?? []).map((a) => h('option', { attrs: { value: a.accountId }, text: accountLabel(a) })));
  const search = h('input', { attrs: { type: 'search', placeholder: 'Search the log', autocomplete: 'off' } });
  const follow = h('input', { id: 'log-follow', attrs: { type: 'checkbox', checked: true } });
  const view = h('div', { class: 'log-view', attrs: { role: 'log', 'aria-live': 'off', 'aria-label': 'Log lines', tabindex: '0' } });
  const count = h('p', { class: 'muted small', attrs: { role: 'status' } });
  const errorSlot = h('div');
  const exportSlot = h('div', { attrs: { 'aria-live': 'polite' } });

  const copy = button('Copy', 'secondary', () => {
    const n = shown.length;
    void copyText(shown.map(lineText).join('\n')).then(() => { setText(count, `Copied ${n} line${n === 1 ? '' : 's'}.`); ctx.announce(`Copied ${n} log line${n === 1 ? '' : 's'}.`); });
  }, { 'data-action': 'copy' });
  const exportBtn = button('Export diagnostics', 'primary', (ev) => {
    void runAction(ev.currentTarget as HTMLButtonElement, errorSlot, async () => {
      const r = await ctx.api.exportDiagnostics();
      replaceChildren(exportSlot, notice('ok', 'Diagnostics saved', h('div', null,
        h('p', null, 'Saved to ', h('code', { class: 'path', text: r.path })),
        h('p', { text: 'It holds settings, status and recent logs with phone numbers, keys and message texts removed. Attach it to a support request.' })),
        button('Copy location', 'secondary', () => { void copyText(r.path).then(() => ctx.announce('Location copied.')); })));
    }, 'Exporting…');
  }, { 'data-action': 'export' });

  const el = h('section', { class: 'screen screen-wide' },
    ...heading('Logs', 'What Clawline has been doing. Useful when something does not work.'),
    h('div', { class: 'toolbar', attrs: { role: 'group', 'aria-label': 'Filter the log' } },
      field('Show', level).row, field('Part', subsystem).row, field('Account', account).row, field('Search', search).row,
      h('div', { class: 'field check' }, follow, h('label', { attrs: { for: 'log-follow' }, text: 'Follow new lines' }))),
    h('div', { class: 'actions' }, copy, exportBtn), errorSlot, exportSlot, count, view);

  let lines: LogLine[] = [];
  let shown: LogLine[] = [];
  const subsystems = new Set<string>();

  const matches = (l: LogLine): boolean => {
    if (level.value && LEVELS.indexOf(l.level) < LEVELS.indexOf(level.value as LogLine['level'])) return false;
    if (subsystem.value && l.subsystem !== subsystem.value) return false;
    if (account.value && l.accountId !== account.value) return false;
    const q = search.value.trim().toLowerCase();
    if (q && !lineText(l).toLowerCase().includes(q)) return false;
    return true;
  };

  const rowFor = (l: LogLine): HTMLElement => {
    const extra = Object.entries(l).filter(([k]) => !QUIET_KEYS.has(k)).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
    return h('div', { class: `log-line lvl-${l.level}` },
      h('time', { attrs: { datetime: new Date(l.time).toISOString() }, text: new Date(l.time).toLocaleTimeString() }),
      h('span', { class: 'lvl', text: l.level.toUpperCase() }),
      h('span', { class: 'sub', text: `${l.subsystem ?? ''}${l.accountId ? `/${l.accountId}` : ''}` }),
      h('span', { class: 'msg', text: l.msg }),
      extra ? h('span', { class: 'extra', text: extra.length > 300 ? `${extra.slice(0, 300)}…` : extra }) : null);
  };

  const noteSubsystem = (l: LogLine) => {
    if (l.subsystem && !subsystems.has(l.subsystem)) {
      subsystems.add(l.subsystem);
      const opts = [...subsystems].sort();
      const current = subsystem.value;
      replaceChildren(subsystem, h('option', { attrs: { value: '' }, text: 'All parts' }), ...opts.map((s) => h('option', { attrs: { value: s }, text: s })));
      subsystem.value = current;
    }
  };

  const render = (): void => {
    shown = lines.filter(matches).slice(-MAX_SHOWN);
    replaceChildren(view, shown.length ? shown.map(rowFor) : h('p', { class: 'muted', text: 'No log lines match.' }));
    setText(count, `${shown.length} line${shown.length === 1 ? '' : 's'}${follow.checked ? ' · following live' : ''}`);
    if (follow.checked) view.scrollTop = view.scrollHeight;
  };

  const load = async (): Promise<void> => {
    try {
      const r = await ctx.api.tailLogs({ limit: 500, level: (level.value || undefined) as LogLine['level'] | undefined, subsystem: subsystem.value || undefined, accountId: account.value || undefined, search: search.value.trim() || undefined });
      const seen = new Set(r.lines.map((l) => `${l.time}|${l.msg}`));
      // Keep live lines that arrived after the tail was taken.
      lines = [...r.lines, ...ctx.store.state.logs.filter((l) => !seen.has(`${l.time}|${l.msg}`) && l.time >= (r.lines.at(-1)?.time ?? 0))];
      for (const l of lines) noteSubsystem(l);
      replaceChildren(errorSlot);
    } catch (err) {
      const w = errorWords(err);
      replaceChildren(errorSlot, notice('error', 'The log could not be read', w.nextStep ?? w.message));
    }
    render();
  };

  let searchTimer: number | undefined;
  for (const sel of [level, subsystem, account]) sel.addEventListener('change', () => { void load(); });
  search.addEventListener('input', () => { window.clearTimeout(searchTimer); searchTimer = window.setTimeout(() => render(), 200); });
  follow.addEventListener('change', () => render());

  const off = ctx.store.onLogLine((l) => {
    lines.push(l);
    if (lines.length > MAX_SHOWN * 2) lines.splice(0, lines.length - MAX_SHOWN * 2);
    noteSubsystem(l);
    if (!matches(l)) return;
    shown.push(l);
    const empty = view.querySelector('p.muted');
    if (empty) empty.remove();
    view.append(rowFor(l));
    while (view.children.length > MAX_SHOWN) view.firstElementChild?.remove();
    setText(count, `${shown.length} line${shown.length === 1 ? '' : 's'}${follow.checked ? ' · following live' : ''}`);
    if (follow.checked) view.scrollTop = view.scrollHeight;
  });

  void load();
  return { title: 'Logs', el, update: () => {}, destroy: () => { off(); window.clearTimeout(searchTimer); } };
}
