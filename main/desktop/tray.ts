// The tray icon: applies trayModel() to an Electron Tray. The Tray, Menu and image loading are
// injected so tests drive it with fakes and check what a person would see.
import type { Menu, MenuItemConstructorOptions, NativeImage, Tray } from 'electron';
import type { GatewaySummary } from '../control/contract.ts';
import { trayIconFile, trayModel, type TrayAction, type TrayMenuEntry, type TrayModel } from './tray-model.ts';

export type TrayLike = Pick<Tray, 'setImage' | 'setToolTip' | 'setContextMenu' | 'on' | 'destroy'>;

export interface TrayDeps {
  createTray(image: NativeImage): TrayLike;
  buildMenu(template: MenuItemConstructorOptions[]): Menu;
  /** Loads `assets/tray/<file>` (nativeImage.createFromPath; @2x is picked up automatically). */
  loadImage(file: string): NativeImage;
  platform: NodeJS.Platform;
  onAction(action: TrayAction): void;
}

export function menuTemplate(entries: TrayMenuEntry[], onAction: (a: TrayAction) => void): MenuItemConstructorOptions[] {
  return entries.map((e): MenuItemConstructorOptions => e.type === 'separator'
    ? { type: 'separator' }
    : { label: e.label, enabled: e.enabled ?? true, click: e.action ? () => onAction(e.action!) : undefined });
}

export class TrayController {
  private tray?: TrayLike;
  private last?: TrayModel;
  private images = new Map<string, NativeImage>();

  constructor(private readonly deps: TrayDeps) {}

  /** Creates the tray on first call, then updates icon, tooltip and menu when they changed. */
  update(summary: GatewaySummary | undefined, opts: { startError?: string } = {}): TrayModel {
    const model = trayModel(summary, opts);
    const image = this.image(trayIconFile(model.icon, this.deps.platform));
    if (!this.tray) {
      this.tray = this.deps.createTray(image);
      // Windows and most Linux trays: a click opens the window; macOS shows the menu on click.
      if (this.deps.platform !== 'darwin') this.tray.on('click', () => this.deps.onAction('open'));
    } else if (model.icon !== this.last?.icon) this.tray.setImage(image);
    if (model.tooltip !== this.last?.tooltip) this.tray.setToolTip(model.tooltip);
    if (JSON.stringify(model.menu) !== JSON.stringify(this.last?.menu)) this.tray.setContextMenu(this.deps.buildMenu(menuTemplate(model.menu, this.deps.onAction)));
    this.last = model;
    return model;
  }

  destroy(): void {
    this.tray?.destroy();
    this.tray = undefined;
    this.last = undefined;
  }

  private image(file: string): NativeImage {
    let img = this.images.get(file);
    if (!img) {
      img = this.deps.loadImage(file);
      // macOS recolours template images for light and dark menu bars.
      if (this.deps.platform === 'darwin') img.setTemplateImage(true);
      this.images.set(file, img);
    }
    return img;
  }
}
