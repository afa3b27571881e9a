// Settings: the `channels.whatsapp` and `clawline.agent` keys of openclaw.json as a form. Each
// change is saved at once through settings.set (the gateway edits the file in place, so comments
// and formatting survive) and applies live; problems come back as findings shown next to the field.
import JSON5 from 'json5';
import type { Finding, Responses } from '../../main/control/contract.ts';
import { errorWords } from '../api.ts';
import { field, h, replaceChildren, setText, showFieldError, syncList, uid } from '../dom.ts';
import { checkAllowEntry, normalizeFindingPath } from '../format.ts';
import type { DesktopPreferences, Theme } from '../../preload/bridge.ts';
import { button, heading, notice, runAction, type Screen, type ScreenContext } from '../ui.ts';
import { applyTheme, getThemePreference, setThemePreference } from '../theme.ts';

type Path = (string | number)[];
type Obj = Record<string, unknown>;
type Settings = Responses['settings.get'];

const WA: Path = ['channels', 'whatsapp'];
const AGENT: Path = ['clawline', 'agent'];

/** One saved setting on screen: where it lives and how to show its value and its problems. */
interface Binding {
  path: Path;
  /** Element that gets aria-invalid. */
  control: HTMLElement;
  error: HTMLElement;
  /** Writes the file's current value into the control. */
  show(value: unknown): void;
  /** A text box whose value is not overwritten while it has focus (the person is typing). */
  typing?: HTMLElement;
  /** Choices (radio, checkbox, select) go back to the saved value when a change is refused. */
  revertOnError?: boolean;
}

const get = (o: unknown, path: Path): unknown => path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Obj)[String(k)] : undefined), o);
const asObj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const asStrings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/**
 * The file's own `channels.whatsapp` and `clawline.agent`, read from the text settings.get
 * sends. The screen edits keys of the file, so it must show what the file says: the gateway's
 * `whatsapp`/`agent` fields are its resolved settings (defaults filled in, accounts as a list),
 * whose shape is not the file's. A file that does not parse shows defaults; its syntax error
 * is among the findings.
 */
export function fileSections(s: Pick<Settings, 'text'>): { whatsapp: unknown; agent: unknown } {
  let root: unknown;
  try { root = s.text.trim() ? JSON5.parse(s.text) : {}; } catch { root = {}; }
  return { whatsapp: get(root, WA), agent: get(root, AGENT) };
}

export function settingsScreen(ctx: ScreenContext): Screen {
  const topFindings = h('div', { class: 'stack' });
  const saved = h('p', { class: 'save-status', attrs: { role: 'status' } });
  const form = h('div', { class: 'settings-form' }, h('p', { class: 'busy-line', text: 'Loading settings…' }));
  const fileLine = h('p', { class: 'muted small' });
  const el = h('section', { class: 'screen' },
    ...heading('Settings', 'Changes are saved and take effect right away.'),
    fileLine, topFindings, saved, form);

  const bindings: Binding[] = [];
  let settings: Settings | undefined;
  let values: { whatsapp: unknown; agent: unknown } = { whatsapp: undefined, agent: undefined };
  let lastFindings: Finding[] = [];

  const full = (p: Path) => p.join('.');

  const showFindings = (findings: Finding[]): void => {
    lastFindings = findings;
    const used = new Set<Finding>();
    for (const b of bindings) {
      const mine = findings.filter((f) => f.severity !== 'info' && (normalizeFindingPath(f.path) === full(b.path) || normalizeFindingPath(f.path).startsWith(full(b.path) + '.')));
      mine.forEach((f) => used.add(f));
      showFieldError(b.control, b.error, mine.length ? mine.map((f) => f.message + (f.hint ? ` ${f.hint}` : '')).join(' ') : undefined);
    }
    const rest = findings.filter((f) => !used.has(f) && f.severity !== 'info');
    replaceChildren(topFindings, rest.length ? notice(rest.some((f) => f.severity === 'error') ? 'error' : 'warn', 'Problems in your settings file',
      h('ul', null, ...rest.map((f) => h('li', null, `${f.line ? `Line ${f.line}: ` : ''}${f.path ? `${f.path}: ` : ''}${f.message}${f.hint ? ` ${f.hint}` : ''}`)))) : null);
  };

  const load = async (): Promise<void> => {
    try {
      settings = await ctx.api.getSettings();
      values = fileSections(settings);
    } catch (err) {
      const w = errorWords(err);
      replaceChildren(form, notice('error', 'Settings could not be loaded', w.nextStep ? `${w.message} ${w.nextStep}` : w.message));
      return;
    }
    setText(fileLine, `Saved in ${settings.path}`);
    for (const b of bindings) {
      if (b.typing && document.activeElement === b.typing) continue;
      b.show(get(rootOf(b.path), b.path.slice(2)));
    }
    showFindings(settings.findings);
  };

  const rootOf = (p: Path): unknown => (p[0] === 'clawline' ? values.agent : values.whatsapp);

  /** Saves one value (undefined = remove the key), then reloads to show what the file now says. */
  const save = async (b: Binding, value: unknown, label: string): Promise<boolean> => {
    setText(saved, `Saving ${label}…`);
    try {
      const r = value === undefined ? await ctx.api.unsetSetting(b.path) : await ctx.api.setSetting(b.path, value);
      const others = lastFindings.filter((f) => !normalizeFindingPath(f.path).startsWith(full(b.path)));
      showFindings([...others, ...r.findings]);
      if (!r.ok) {
        setText(saved, `${label} was not saved: see the message next to it.`);
        if (b.revertOnError) b.show(get(rootOf(b.path), b.path.slice(2)));
        return false;
      }
      setText(saved, `Saved: ${label}.`);
      await load();
      return true;
    } catch (err) {
      const w = errorWords(err);
      showFieldError(b.control, b.error, w.nextStep ? `${w.message} ${w.nextStep}` : w.message);
      setText(saved, `${label} was not saved.`);
      return false;
    }
  };

  // ---------- building blocks
  const radios = (path: Path, legend: string, options: { value: string; label: string; help: string }[], fallback: string): HTMLElement => {
    const name = uid('r');
    const error = h('p', { class: 'field-error', id: `${name}-error`, hidden: true, attrs: { role: 'alert' } });
    const set = h('fieldset', { class: 'choices', attrs: { 'aria-describedby': `${name}-error` } }, h('legend', { text: legend }));
    const b: Binding = {
      path, control: set, error, revertOnError: true,
      show: (v) => { const val = typeof v === 'string' ? v : fallback; for (const r of Array.from(set.querySelectorAll<HTMLInputElement>('input'))) r.checked = r.value === val; },
    };
    for (const o of options) {
      const id = `${name}-${o.value}`;
      set.append(h('div', { class: 'choice' },
        h('input', { id, attrs: { type: 'radio', name, value: o.value, 'aria-describedby': `${id}-help` }, on: { change: () => { void save(b, o.value, legend); } } }),
        h('label', { attrs: { for: id } }, h('strong', { text: o.label }), h('span', { id: `${id}-help`, class: 'choice-help', text: o.help }))));
    }
    set.append(error);
    bindings.push(b);
    return set;
  };

  const checkbox = (path: Path, label: string, hint: string, fallback: boolean): HTMLElement => {
    const input = h('input', { attrs: { type: 'checkbox' } });
    const id = uid('c');
    input.id = id;
    const error = h('p', { class: 'field-error', id: `${id}-error`, hidden: true, attrs: { role: 'alert' } });
    input.setAttribute('aria-describedby', `${id}-hint ${id}-error`);
    const b: Binding = { path, control: input, error, revertOnError: true, show: (v) => { input.checked = typeof v === 'boolean' ? v : fallback; } };
    input.addEventListener('change', () => { void save(b, input.checked, label); });
    bindings.push(b);
    return h('div', { class: 'field check' }, input, h('label', { attrs: { for: id }, text: label }), h('p', { class: 'field-hint', id: `${id}-hint`, text: hint }), error);
  };

  const select = (path: Path, label: string, hint: string, options: [string, string][], fallback: string, onChange?: (v: string) => void): HTMLElement => {
    const sel = h('select', null, ...options.map(([v, text]) => h('option', { attrs: { value: v }, text })));
    const f = field(label, sel, hint);
    const b: Binding = { path, control: sel, error: f.error, revertOnError: true, show: (v) => { sel.value = typeof v === 'string' ? v : fallback; onChange?.(sel.value); } };
    sel.addEventListener('change', () => { onChange?.(sel.value); void save(b, sel.value, label); });
    bindings.push(b);
    return f.row;
  };

  /** A number saved on change, checked as you type; empty means "use the default". */
  const numberInput = (path: Path, label: string, hint: string, opts: { min: number; max: number; scale?: number; placeholder?: string }): HTMLElement => {
    const input = h('input', { attrs: { type: 'number', inputmode: 'numeric', min: opts.min, max: opts.max, step: 1, placeholder: opts.placeholder } });
    const f = field(label, input, hint);
    const scale = opts.scale ?? 1;
    const check = (): number | undefined | 'bad' => {
      if (input.value.trim() === '') { showFieldError(input, f.error, undefined); return undefined; }
      const n = Number(input.value);
      const ok = Number.isInteger(n) && n >= opts.min && n <= opts.max;
      showFieldError(input, f.error, ok ? undefined : `Use a whole number from ${opts.min} to ${opts.max}.`);
      return ok ? n * scale : 'bad';
    };
    const b: Binding = { path, control: input, error: f.error, show: (v) => { input.value = typeof v === 'number' ? String(v / scale) : ''; }, typing: input };
    input.addEventListener('input', () => { check(); });
    input.addEventListener('change', () => { const v = check(); if (v !== 'bad') void save(b, v, label); });
    bindings.push(b);
    return f.row;
  };

  const textInput = (path: Path, label: string, hint: string, opts: { type?: string; secret?: boolean; multiline?: boolean; validate?: (v: string) => string | undefined; placeholder?: string } = {}): HTMLElement => {
    const input: HTMLInputElement | HTMLTextAreaElement = opts.multiline
      ? h('textarea', { attrs: { rows: 3, placeholder: opts.placeholder } })
      : h('input', { attrs: { type: opts.secret ? 'password' : opts.type ?? 'text', autocomplete: 'off', spellcheck: 'false', placeholder: opts.placeholder } });
    const f = field(label, input, hint);
    let hasSecret = false;
    const b: Binding = {
      path, control: input, error: f.error, typing: input,
      show: (v) => {
        if (opts.secret) {
          hasSecret = typeof v === 'string' && v.length > 0;
          input.value = '';
          input.placeholder = hasSecret ? 'Saved — type a new one to replace it' : opts.placeholder ?? '';
        } else input.value = typeof v === 'string' ? v : '';
      },
    };
    input.addEventListener('input', () => { if (opts.validate) showFieldError(input, f.error, input.value ? opts.validate(input.value) : undefined); });
    input.addEventListener('change', () => {
      const v = input.value.trim();
      if (opts.secret && !v) return; // an empty secret box means "keep the saved one"
      if (v && opts.validate?.(v)) return;
      void save(b, v === '' ? undefined : v, label);
    });
    bindings.push(b);
    return f.row;
  };

  /** A list of numbers (or group ids) with add/remove; every entry checked as it is typed. */
  const listEditor = (path: Path, label: string, hint: string, check: (v: string) => { value?: string; problem?: string }, placeholder: string, emptyText: string): HTMLElement => {
    const id = uid('l');
    const list = h('ul', { class: 'chips', attrs: { 'aria-label': `${label}: saved` } });
    const input = h('input', { id, attrs: { type: 'text', autocomplete: 'off', placeholder } });
    const preview = h('p', { class: 'normalized', id: `${id}-preview`, attrs: { 'aria-live': 'polite' } });
    const error = h('p', { class: 'field-error', id: `${id}-error`, hidden: true, attrs: { role: 'alert' } });
    const hintEl = h('p', { class: 'field-hint', id: `${id}-hint`, text: hint });
    input.setAttribute('aria-describedby', `${id}-hint ${id}-preview ${id}-error`);
    let values: string[] = [];
    const wrapper = h('div', { class: 'field list-field' });
    const b: Binding = {
      path, control: wrapper, error,
      show: (v) => {
        values = asStrings(v);
        syncList(list, values.length ? values : ['\u0000empty'], (x) => x,
          (x) => x === '\u0000empty' ? h('li', { class: 'muted', text: emptyText }) : h('li', { class: 'chip' }, h('span', { text: x }),
            button('Remove', 'quiet', () => { void save(b, values.filter((y) => y !== x), label).then(() => input.focus()); }, { 'aria-label': `Remove ${x}` })),
          () => {});
      },
    };
    const live = () => {
      const c = check(input.value);
      if (!input.value.trim()) { setText(preview, ''); showFieldError(input, error, undefined); return c; }
      setText(preview, c.value ? `Will be saved as ${c.value}` : '');
      showFieldError(input, error, c.problem);
      return c;
    };
    input.addEventListener('input', () => { live(); });
    const add = async (btn?: HTMLButtonElement) => {
      const c = live();
      if (!c.value) { if (!input.value.trim()) showFieldError(input, error, c.problem); input.focus(); return; }
      if (values.includes(c.value)) { showFieldError(input, error, `${c.value} is already in the list.`); return; }
      if (btn) btn.disabled = true;
      if (await save(b, [...values, c.value], label)) { input.value = ''; setText(preview, ''); }
      if (btn) btn.disabled = false;
      input.focus();
    };
    input.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); void add(); } });
    bindings.push(b);
    wrapper.append(h('label', { attrs: { for: id }, text: label }), hintEl, list,
      h('div', { class: 'add-row' }, input, button('Add', 'secondary', (ev) => { void add(ev.currentTarget as HTMLButtonElement); })), preview, error);
    return wrapper;
  };

  /** The `groups` map: group ids (or * for all) with "only when mentioned" for each. */
  const groupsEditor = (): HTMLElement => {
    const path = [...WA, 'groups'];
    const id = uid('g');
    const list = h('ul', { class: 'group-list', attrs: { 'aria-label': 'Groups' } });
    const input = h('input', { id, attrs: { type: 'text', autocomplete: 'off', placeholder: '120363012345678901@g.us' } });
    const error = h('p', { class: 'field-error', id: `${id}-error`, hidden: true, attrs: { role: 'alert' } });
    input.setAttribute('aria-describedby', `${id}-hint ${id}-error`);
    let groups: Obj = {};
    const wrapper = h('div', { class: 'field list-field' });
    const b: Binding = {
      path, control: wrapper, error,
      show: (v) => {
        groups = asObj(v);
        const ids = Object.keys(groups);
        syncList(list, ids.length ? ids : ['\u0000empty'], (x) => x, (gid) => {
          if (gid === '\u0000empty') return h('li', { class: 'muted', text: 'No groups listed.' });
          const cb = h('input', { id: uid('gm'), attrs: { type: 'checkbox' } });
          cb.addEventListener('change', () => { void save(b, { ...groups, [gid]: { ...asObj(groups[gid]), requireMention: cb.checked } }, 'Groups'); });
          return h('li', { class: 'group-row' }, h('span', { class: 'group-id', text: gid === '*' ? 'All groups' : gid }),
            h('span', { class: 'check' }, cb, h('label', { attrs: { for: cb.id }, text: 'Only when mentioned' })),
            button('Remove', 'quiet', () => { const next = { ...groups }; delete next[gid]; void save(b, Object.keys(next).length ? next : undefined, 'Groups'); }, { 'aria-label': `Remove ${gid === '*' ? 'all groups' : gid}` }));
        }, (li, gid) => {
          const cb = li.querySelector<HTMLInputElement>('input[type=checkbox]');
          if (cb) cb.checked = asObj(groups[gid]).requireMention !== false;
        });
      },
    };
    const checkGroup = (v: string): string | undefined => (v === '*' || /^[0-9-]{5,40}@g\.us$/.test(v) ? undefined : 'A group id looks like 120363012345678901@g.us (find it in Logs when someone writes in the group), or * for all groups.');
    input.addEventListener('input', () => { showFieldError(input, error, input.value.trim() ? checkGroup(input.value.trim()) : undefined); });
    const add = () => {
      const v = input.value.trim();
      const problem = checkGroup(v);
      if (problem) { showFieldError(input, error, problem); input.focus(); return; }
      void save(b, { ...groups, [v]: { requireMention: true } }, 'Groups').then((ok) => { if (ok) input.value = ''; input.focus(); });
    };
    input.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); add(); } });
    bindings.push(b);
    wrapper.append(h('label', { attrs: { for: id }, text: 'Groups your agent takes part in' }),
      h('p', { class: 'field-hint', id: `${id}-hint`, text: 'When this list has entries, only these groups are answered. “Only when mentioned”: the agent replies only when someone @mentions it or replies to it.' }),
      list, h('div', { class: 'add-row' }, input, button('Add group', 'secondary', add)), error);
    return wrapper;
  };

  const section = (title: string, ...children: (HTMLElement | null)[]) => {
    const hid = uid('s');
    return h('section', { class: 'card settings-section', attrs: { 'aria-labelledby': hid } }, h('h2', { id: hid, text: title }), ...children);
  };

  const phoneCheck = (v: string) => { const c = checkAllowEntry(v); return { value: c.e164, problem: c.problem }; };

  // ---------- agent section: fields follow the chosen kind
  const agentFields: Record<string, HTMLElement> = {};
  const showAgentKind = (kind: string) => { for (const [k, el2] of Object.entries(agentFields)) el2.hidden = k !== kind; };
  const urlCheck = (v: string) => { try { const u = new URL(v); return u.protocol === 'http:' || u.protocol === 'https:' ? undefined : 'Use an http:// or https:// address.'; } catch { return 'That is not a web address (it should start with http:// or https://).'; } };
  agentFields.builtin = h('div', null,
    textInput([...AGENT, 'builtin', 'autoReply'], 'Automatic reply', 'What the built-in agent answers to every message. Good for testing that everything works.', { placeholder: 'pong' }));
  agentFields.openai = h('div', null,
    textInput([...AGENT, 'openai', 'baseUrl'], 'Server address', 'The API address, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1 for Ollama.', { type: 'url', validate: urlCheck }),
    textInput([...AGENT, 'openai', 'model'], 'Model', 'The model name the server knows, e.g. gpt-4o-mini or llama3.1.'),
    textInput([...AGENT, 'openai', 'apiKey'], 'API key', 'Kept in your settings file. Leave empty for local servers that need no key.', { secret: true }),
    textInput([...AGENT, 'openai', 'systemPrompt'], 'Instructions for the agent', 'Optional: how the agent should behave.', { multiline: true }),
    numberInput([...AGENT, 'openai', 'historyTurns'], 'Messages of history to include', 'How many earlier messages of the chat the agent sees.', { min: 0, max: 100, placeholder: 'default' }),
    numberInput([...AGENT, 'openai', 'timeoutMs'], 'Time limit (seconds)', 'How long to wait for an answer before apologising to the sender.', { min: 1, max: 600, scale: 1000, placeholder: 'default' }));
  agentFields.webhook = h('div', null,
    textInput([...AGENT, 'webhook', 'url'], 'Webhook address', 'Each message is POSTed here as JSON; the response is the reply.', { type: 'url', validate: urlCheck }),
    textInput([...AGENT, 'webhook', 'secret'], 'Signing secret', 'Used to sign each request so your server knows it came from Clawline.', { secret: true }),
    numberInput([...AGENT, 'webhook', 'timeoutMs'], 'Time limit (seconds)', 'How long to wait for your server.', { min: 1, max: 600, scale: 1000, placeholder: 'default' }));
  agentFields.command = h('div', null,
    textInput([...AGENT, 'command', 'command'], 'Program', 'A program on this computer that reads the message as JSON and prints the reply.'),
    numberInput([...AGENT, 'command', 'timeoutMs'], 'Time limit (seconds)', 'How long the program may take.', { min: 1, max: 600, scale: 1000, placeholder: 'default' }));
  const agentTestSlot = h('div', { attrs: { 'aria-live': 'polite' } });
  const agentErr = h('div');
  const agentTest = button('Test connection', 'secondary', (ev) => {
    void runAction(ev.currentTarget as HTMLButtonElement, agentErr, async () => {
      replaceChildren(agentTestSlot);
      const r = await ctx.api.testAgent();
      replaceChildren(agentTestSlot, notice(r.ok ? 'ok' : 'error', r.ok ? 'Connection works' : 'The agent did not answer', r.message));
    }, 'Testing…');
  }, { 'data-action': 'test-agent' });

  // ---------- desktop-only section
  const desktopSection = (): HTMLElement => {
    const theme = h('select', { id: 'pref-theme' }, h('option', { attrs: { value: 'system' }, text: 'Same as this computer' }), h('option', { attrs: { value: 'light' }, text: 'Light' }), h('option', { attrs: { value: 'dark' }, text: 'Dark' }));
    theme.value = getThemePreference();
    theme.addEventListener('change', () => { const t = theme.value as Theme; setThemePreference(t); applyTheme(t); void ctx.api.desktop?.setPreferences({ theme: t }); setText(saved, 'Saved: Appearance.'); });
    const themeField = field('Appearance', theme, 'Light, dark, or follow your computer’s setting.');
    const rows: HTMLElement[] = [themeField.row];
    if (ctx.api.desktop) {
      const login = h('input', { id: 'pref-login', attrs: { type: 'checkbox' } });
      const errorSlot = h('div');
      void ctx.api.desktop.getPreferences().then((p: DesktopPreferences) => { login.checked = p.launchAtLogin; }).catch(() => {});
      login.addEventListener('change', () => {
        void runAction(undefined, errorSlot, async () => {
          const p = await ctx.api.desktop!.setPreferences({ launchAtLogin: login.checked });
          login.checked = p.launchAtLogin;
          setText(saved, `Saved: Start Clawline when you log in (${p.launchAtLogin ? 'on' : 'off'}).`);
        });
      });
      rows.unshift(h('div', { class: 'field check' }, login, h('label', { attrs: { for: 'pref-login' }, text: 'Start Clawline when you log in' }),
        h('p', { class: 'field-hint', text: 'It starts in the tray (menu bar) so your agent keeps answering.' }), errorSlot));
    }
    return section('This computer', ...rows);
  };

  const build = (): void => {
    replaceChildren(form,
      section('Who can message your agent',
        radios([...WA, 'dmPolicy'], 'Direct messages', [
          { value: 'pairing', label: 'Ask me first', help: 'Someone new gets a code and waits until you approve them in Requests. (Default)' },
          { value: 'allowlist', label: 'Only numbers I list', help: 'Everyone else is ignored without a reply.' },
          { value: 'open', label: 'Anyone', help: 'Anybody who messages this number talks to your agent. Needs * in the list below.' },
          { value: 'disabled', label: 'Nobody', help: 'Direct messages are ignored.' },
        ], 'pairing'),
        listEditor([...WA, 'allowFrom'], 'Allowed numbers', 'Numbers with country code. Type * to allow everyone. Approved requests are kept separately and stay allowed.', phoneCheck, '+44 7700 900123', 'No numbers listed: only your own number can message the agent.')),
      section('Groups',
        radios([...WA, 'groupPolicy'], 'Group chats', [
          { value: 'allowlist', label: 'Only listed groups', help: 'The agent answers only in the groups listed below. (Default)' },
          { value: 'open', label: 'Any group', help: 'The agent answers in every group it is in (still only when mentioned, if set below).' },
          { value: 'disabled', label: 'No groups', help: 'Group messages are ignored.' },
        ], 'allowlist'),
        groupsEditor(),
        listEditor([...WA, 'groupAllowFrom'], 'People who may use the agent in groups', 'When empty, the allowed numbers above are used. Approving a request never grants group access.', phoneCheck, '+44 7700 900123', 'Same as the allowed numbers above.')),
      section('Messages',
        checkbox([...WA, 'sendReadReceipts'], 'Send read receipts', 'Senders see blue ticks when the agent has read their message.', true),
        textInput([...WA, 'ackReaction', 'emoji'], 'Reaction on arrival', 'An emoji the agent reacts with as soon as a message arrives, before it answers (e.g. 👀). Empty: no reaction.', { validate: (v) => ([...new Intl.Segmenter().segment(v)].length > 1 ? 'Use a single emoji.' : undefined), placeholder: '👀' }),
        checkbox([...WA, 'ackReaction', 'direct'], 'React in direct chats', 'Use the reaction in one-to-one chats.', true),
        select([...WA, 'ackReaction', 'group'], 'React in groups', 'When to use the reaction in group chats.', [['mentions', 'Only when the agent is mentioned'], ['always', 'On every message the agent answers'], ['never', 'Never']], 'mentions'),
        numberInput([...WA, 'textChunkLimit'], 'Longest message', 'Longer replies are split into several messages of at most this many characters.', { min: 1, max: 65536, placeholder: '4000 (default)' }),
        select([...WA, 'chunkMode'], 'How to split long replies', 'Where a long reply is cut into messages.', [['length', 'At the length limit'], ['newline', 'At paragraph breaks first']], 'length'),
        numberInput([...WA, 'mediaMaxMb'], 'Largest photo, video or file (MB)', 'Bigger media is not downloaded or sent; the sender is told.', { min: 1, max: 2048, placeholder: '50 (default)' })),
      section('Agent',
        select([...AGENT, 'kind'], 'Which agent answers', 'Where messages go to get a reply.', [
          ['builtin', 'Built-in auto-reply (for testing)'], ['openai', 'An AI service (OpenAI, Ollama, LM Studio…)'],
          ['webhook', 'My own web service (webhook)'], ['command', 'A program on this computer'],
        ], 'builtin', showAgentKind),
        agentFields.builtin!, agentFields.openai!, agentFields.webhook!, agentFields.command!,
        h('div', { class: 'actions' }, agentTest), agentErr, agentTestSlot),
      desktopSection());
    showAgentKind('builtin');
  };

  build();
  void load();
  return {
    title: 'Settings',
    el,
    update: (change) => {
      if (change === 'config') {
        // The file changed (maybe by hand): show its values and problems.
        void load();
      }
    },
  };
}
