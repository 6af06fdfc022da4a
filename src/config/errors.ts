// Configuration problems, each naming the file, the key and the reason. The CLI prints them and
// exits 2; nothing here ever reaches the user as a stack trace.

export interface ConfigIssue {
  /** Dotted key as written in the file, e.g. `routes[2].candidate`; empty for file-level problems. */
  readonly key: string;
  readonly reason: string;
}

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(issues.map((issue) => formatIssue(file, issue)).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatIssue(file: string, issue: ConfigIssue): string {
  return issue.key ? `${file}: ${issue.key}: ${issue.reason}` : `${file}: ${issue.reason}`;
}

/** ['routes', 2, 'candidate'] -> "routes[2].candidate" */
export function formatKey(path: readonly PropertyKey[]): string {
  let key = '';
  for (const part of path) {
    if (typeof part === 'number') key += `[${part}]`;
    else key += key ? `.${String(part)}` : String(part);
  }
  return key;
}
