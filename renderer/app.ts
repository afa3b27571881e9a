// The Clawline window: shell (header, navigation, live region), hash router and the screens.
// Runs the same in the tray app (talking to main through the preload) and in a browser
// (talking to the loopback control server); no Node APIs here.
import { HttpTransport, apiFromBridge, apiFromHttp, findBridge, takeTokenFromLocation, type Api } from './api.ts';
import { h, replaceChildren, setText } from './dom.ts';
import { accountLabel, describeAccount, overallWords } from './format.ts';
import { doctorScreen } from './screens/doctor.ts';
import { homeScreen } from './screens/home.ts';
import { linkScreen } from './screens/link.ts';
import { logsScreen } from './screens/logs.ts';
import { requestsScreen } from './screens/requests.ts';
import { resetScreen } from './screens/reset.ts';
import { settingsScreen } from './screens/settings.ts';
import { SETUP_DONE_KEY, setupScreen } from './screens/setup.ts';
import { Store } from './store.ts';
import { applyTheme, effectiveTheme, getThemePreference, setThemePreference } from './theme.ts';
import { button, notice, pill, setPill, type Screen, type ScreenContext, type ScreenFactory } from './ui.ts';

const ROUTES: Record<string, { label?: string; factory: ScreenFactory }> = {
  home: { label: 'Home', factory: homeScreen },
  link: { label: 'Link WhatsApp', factory: linkScreen },
  requests: { label: 'Requests', factory: requestsScreen },
  settings: { label: 'Settings', factory: settingsScreen },
  logs: { label: 'Logs', factory: logsScreen },
  doctor: { label: 'Doctor', factory: doctorScreen },
  reset: { label: 'Reset', factory: resetScreen },
  setup: { factory: setupScreen },
};

function parseRoute(hash: string): { name: string; params: URLSearchParams } {
  const raw = hash.replace(/^#\/?/, '');
  const [name = '', query = ''] = raw.split('?');
  return { name: ROUTES[name] ? name : 'home', params: new URLSearchParams(query) };
}

function makeApi(): Api | { problem: string } {
  const bridge = findBridge(window);
  if (bridge) return apiFromBridge(bridge);
  const token = takeTokenFromLocation(location, sessionStorage, history);
  if (!token) return { problem: 'no-token' };
  return apiFromHttp(new HttpTransport(location.origin, token));
}

function start(): void {
  applyTheme();
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => { applyTheme(); updateThemeButton(); });

  const announcer = h('div', { class: 'visually-hidden', attrs: { 'aria-live': 'polite', 'aria-atomic': 'true' } });
  const announce = (message: string) => {
    // Clear then set, so repeating the same words is announced again.
    announcer.textContent = '';
    window.setTimeout(() => { announcer.textContent = message; }, 50);
  };

  let desktop: Api['desktop'];
  const statusPill = pill('busy', 'Connecting to Clawline…');
  statusPill.classList.add('overall');
  const themeButton = button('', 'quiet', () => {
    const next = effectiveTheme() === 'dark' ? 'light' : 'dark';
    setThemePreference(next);
    applyTheme(next);
    updateThemeButton();
    desktop?.setPreferences({ theme: next }).catch(() => {});
  }, { 'data-action': 'toggle-theme' });
  themeButton.classList.add('theme-toggle');
  const updateThemeButton = () => {
    const dark = effectiveTheme() === 'dark';
    themeButton.textContent = dark ? '☀ Light' : '☾ Dark';
    themeButton.setAttribute('aria-label', dark ? 'Switch to the light theme' : 'Switch to the dark theme');
  };
  updateThemeButton();

  const navList = h('ul');
  const badge = h('span', { class: 'badge', hidden: true });
  const navLinks = new Map<string, HTMLAnchorElement>();
  for (const [name, r] of Object.entries(ROUTES)) {
    if (!r.label) continue;
    const a = h('a', { attrs: { href: `#/${name}`, 'data-route': name } }, h('span', { text: r.label }));
    if (name === 'requests') a.append(badge);
    navLinks.set(name, a);
    navList.append(h('li', null, a));
  }
  const banner = h('div', { class: 'banner-slot' });
  const main = h('main', { id: 'main', attrs: { tabindex: '-1' } });
  const root = document.getElementById('app')!;
  replaceChildren(root,
    h('a', { class: 'skip-link', attrs: { href: '#main' }, text: 'Skip to content', on: { click: (e) => { e.preventDefault(); main.focus(); } } }),
    h('header', { class: 'app-header' },
      h('div', { class: 'brand' }, h('img', { attrs: { src: 'logo.svg', alt: '', width: 28, height: 28 } }), h('span', { text: 'Clawline' })),
      statusPill, themeButton),
    h('div', { class: 'layout' }, h('nav', { class: 'app-nav', attrs: { 'aria-label': 'Main' } }, navList), h('div', { class: 'content' }, banner, main)),
    announcer);

  const apiOrProblem = makeApi();
  if ('problem' in apiOrProblem) {
    setPill(statusPill, 'off', 'Not connected');
    replaceChildren(main, h('section', { class: 'screen' }, h('h1', { text: 'Open Clawline from its link' }),
      notice('info', 'This page needs the private link Clawline gives you.',
        h('div', null, h('p', { text: 'On the computer running Clawline, run this command; it opens the right page with its key:' }), h('pre', null, h('code', { text: 'clawline dashboard' }))))));
    return;
  }
  const api = apiOrProblem;
  desktop = api.desktop;
  const store = new Store(api);

  let screen: Screen | undefined;
  let currentRoute = '';
  const navigate = (route: string) => {
    const target = `#/${route.replace(/^#?\/?/, '')}`;
    if (location.hash === target) show(true);
    else location.hash = target;
  };

  const show = (focus: boolean) => {
    const { name, params } = parseRoute(location.hash);
    screen?.destroy?.();
    const ctx: ScreenContext = { api, store, navigate, announce, now: () => Date.now(), params };
    screen = ROUTES[name]!.factory(ctx);
    currentRoute = name;
    replaceChildren(main, screen.el);
    document.title = `${screen.title} — Clawline`;
    for (const [n, a] of navLinks) {
      if (n === name || (name === 'setup' && n === 'link')) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    if (focus) (main.querySelector<HTMLElement>('h1') ?? main).focus();
  };

  // Header, badge and announcements follow the store.
  const lastStates = new Map<string, string>();
  const updateShell = () => {
    const s = store.state.summary;
    const u = store.state.unreachable;
    if (u) {
      setPill(statusPill, 'bad', u.unauthorized ? 'Not allowed' : 'Not answering');
      replaceChildren(banner, notice('error', u.unauthorized ? 'This page’s key is not valid any more' : 'Clawline is not answering',
        u.unauthorized ? 'Open a fresh link with the command “clawline dashboard”.' : (u.nextStep ?? u.message),
        button('Try again', 'secondary', () => { void store.refresh(); })));
    } else if (api.transport === 'http' && s && !store.state.eventsConnected) {
      replaceChildren(banner, notice('warn', 'Live updates paused', 'Reconnecting to Clawline… what you see may be out of date.'));
    } else replaceChildren(banner);
    if (!u) {
      const w = overallWords(s, Date.now());
      setPill(statusPill, w.tone, w.title);
    }
    const pending = store.pendingCount();
    badge.hidden = pending === 0;
    replaceChildren(badge, String(pending), h('span', { class: 'visually-hidden', text: pending === 1 ? ' person waiting' : ' people waiting' }));
    // Announce state changes (not countdown ticks) so screen-reader users hear what happened.
    for (const a of s?.accounts ?? []) {
      const prev = lastStates.get(a.accountId);
      if (prev !== undefined && prev !== a.state) announce(`${accountLabel(a)}: ${describeAccount(a, Date.now()).title}`);
      lastStates.set(a.accountId, a.state);
    }
  };

  store.subscribe((change) => { updateShell(); screen?.update(change); });
  store.start();
  api.desktop?.onNavigate((route) => navigate(route));
  window.addEventListener('hashchange', () => show(true));
  window.setInterval(() => {
    const now = Date.now();
    screen?.tick?.(now);
    const s = store.state.summary;
    if (s && !store.state.unreachable) { const w = overallWords(s, now); setPill(statusPill, w.tone, w.title); }
  }, 1000);

  void store.refresh().then(() => {
    // First run: nothing linked yet and setup not finished -> start the guided setup.
    const s = store.state.summary;
    let setupDone = false;
    try { setupDone = localStorage.getItem(SETUP_DONE_KEY) === '1'; } catch { /* ignore */ }
    const fresh = s && s.running && s.accounts.length > 0 && s.accounts.every((a) => a.state === 'not-linked' && !a.lastConnectedAt);
    if (fresh && !setupDone && (location.hash === '' || location.hash === '#/') && currentRoute === 'home') navigate('setup');
    updateShell();
  });
  if (api.desktop) void api.desktop.getPreferences().then((p) => { if (p.theme !== getThemePreference()) { setThemePreference(p.theme); applyTheme(p.theme); updateThemeButton(); } }).catch(() => {});
  show(false);
  setText(statusPill.querySelector('.pill-text')!, 'Connecting to Clawline…');
}

start();
