// What the sidebar page (client.js) gets from Apps Script: `google.script.run` (HtmlService's client API) and the
// shapes the bridge's server functions (appsscript/Sidebar.js) return. Types only: nothing here runs.

/** A line the page shows; every string in these objects is already in the owner's language, from the catalogue. */
interface SidebarProgress {
  opId: string;
  line: string;
  step: number;
  steps: number;
  startedAt: string;
}

interface SidebarLink {
  label: string;
  url: string;
  kind: "backup" | "archive";
  /** a backup's spreadsheet id (sidebarPreview('restore', id), sidebarRestore(id, token)) */
  backupId?: string;
}

interface SidebarState {
  locale: string;
  texts: Record<string, string>;
  status: { version: string; lines: string[]; paused: boolean; pausedLine: string | null };
  pending: { id: string; line: string }[];
  history: { when: string; line: string }[];
  links: SidebarLink[];
  progress: SidebarProgress | null;
  token: string;
}

type SidebarPreview =
  | { ok: true; title: string; body: string[]; confirm: string; cancel: string; token: string }
  | { ok: false; message: string };

interface SidebarOutcome {
  ok: boolean;
  message: string;
  /** null when the sheet could not be read after the change */
  state: SidebarState | null;
}

/** google.script.run: each call is asynchronous; the handlers get the server function's return value or Error. */
interface ScriptRun {
  withSuccessHandler(handler: (value: any, userObject?: any) => void): ScriptRun;
  withFailureHandler(handler: (error: Error, userObject?: any) => void): ScriptRun;
  withUserObject(userObject: any): ScriptRun;
  sidebarState(): void;
  sidebarPreview(action: string, arg: string | null): void;
  sidebarProgress(): void;
  sidebarApply(token: string): void;
  sidebarUndo(token: string): void;
  sidebarPause(reason: string): void;
  sidebarResume(): void;
  sidebarRestore(backupId: string, token: string): void;
}

declare const google: { script: { run: ScriptRun; host: { close(): void } } };
