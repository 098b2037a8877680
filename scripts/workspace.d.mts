/** A project of the workspace (a directory under packages/ or apps/). */
export interface WorkspaceProject {
  name: string;
  dir: string;
  rel: string;
  manifest: Record<string, unknown> & { name: string; private?: boolean };
  deps: string[];
}
export const ROOT: string;
export function workspaceProjects(): WorkspaceProject[];
export function publicPackages(): WorkspaceProject[];
