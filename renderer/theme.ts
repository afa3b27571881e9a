// Light and dark themes: follow the computer (prefers-color-scheme) unless the person picked one.
// The choice is stored in localStorage (and, in the tray app, mirrored to main's preferences).
import type { Theme } from '../preload/bridge.ts';

const KEY = 'clawline.theme';

export function getThemePreference(): Theme {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

export function setThemePreference(theme: Theme): void {
  try {
    if (theme === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, theme);
  } catch { /* storage off: the choice lasts for this page only */ }
}

/** The theme actually shown right now. */
export function effectiveTheme(pref: Theme = getThemePreference()): 'light' | 'dark' {
  if (pref !== 'system') return pref;
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** `data-theme` always names the theme shown (app.ts re-applies it when the computer's changes), so the stylesheet defines each theme once. */
export function applyTheme(pref: Theme = getThemePreference()): void {
  document.documentElement.setAttribute('data-theme', effectiveTheme(pref));
}
