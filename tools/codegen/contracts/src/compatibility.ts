import { compareJsonSchema, type Diff } from 'api-smart-diff';

// The compatibility rule of ADR 040, on the published JSON Schemas (what a writer of each version
// writes, closed). During a rolling upgrade the old version reads the new one's messages and the
// new reads the old's, so a change must be compatible both ways (Confluent's FULL):
//
// - api-smart-diff (udamir/api-smart-diff) compares the schemas and classifies each change the
//   way a schema of inputs sees it: "breaking" when the new schema refuses what the old accepted.
//   Old → new finds what the new readers refuse of the old messages; new → old, what the old
//   readers refuse of the new messages. A change breaking either way breaks a reader.
// - One rule more, ours: no field of a published version goes away, not even an optional one
//   (api-smart-diff calls that harmless for inputs). Its name cannot be reused with another
//   meaning while readers and carried copies of the old one exist, and a rename is a removal.
//
// Annotations (description, title, examples) change freely.

/** One change that breaks a reader of a published version, in words. */
export interface BreakingChange {
  /** Dotted path of the field, e.g. `payload.pickup.lat`; empty for the whole message. */
  readonly field: string;
  /** What changed, and whose reader it breaks. */
  readonly change: string;
}

/**
 * `properties.payload.properties.pickup.properties.lat.maximum` → `payload.pickup.lat` and
 * `maximum`; `properties.payload.required.7` (naming `customerEmail`) → `payload.customerEmail`.
 */
const where = (diff: Diff): { field: string; keyword: string } => {
  const field: string[] = [];
  const keyword: string[] = [];
  for (let i = 0; i < diff.path.length; i++) {
    const step = String(diff.path[i]);
    if (step === 'properties' && i + 1 < diff.path.length) field.push(String(diff.path[++i]));
    else if (step === 'items') field.push('[]');
    else if (step === 'additionalProperties') field.push('{}');
    else if (step === 'required') {
      field.push(String(diff.before ?? diff.after));
      keyword.push('required');
      break;
    } else keyword.push(step);
  }
  return { field: field.join('.'), keyword: keyword.join('.') };
};

/** A diff found going back (current → published) says added for what the change removed. */
const verbs = {
  forward: { add: 'added', remove: 'removed', replace: 'changed', rename: 'renamed' },
  back: { add: 'removed', remove: 'added', replace: 'changed', rename: 'renamed' },
} as const;

const breaking = (diffs: readonly Diff[], way: keyof typeof verbs, who: string) =>
  diffs
    .filter((diff) => diff.type === 'breaking')
    .map((diff): BreakingChange => {
      const { field, keyword } = where(diff);
      const verb = verbs[way][diff.action as keyof (typeof verbs)['forward']] ?? diff.action;
      return { field, change: `${keyword || 'field'} ${verb}: ${who}` };
    });

const isPropertyRemoval = (diff: Diff): boolean =>
  diff.action === 'remove' && diff.path.at(-2) === 'properties';

/**
 * The changes from the published schema to the current one that break a reader of either, as
 * ADR 040 defines it. Empty: compatible both ways.
 */
export const breakingChanges = (published: object, current: object): BreakingChange[] => {
  const forward = compareJsonSchema(published, current).diffs;
  const back = compareJsonSchema(current, published).diffs;
  const changes = [
    ...breaking(forward, 'forward', 'new readers refuse messages of the published version'),
    ...breaking(back, 'back', 'readers of the published version refuse new messages'),
    ...forward.filter(isPropertyRemoval).map((diff): BreakingChange => ({
      field: where(diff).field,
      change: 'field removed: a published field stays (stop writing it; it is optional)',
    })),
  ];
  const seen = new Set<string>();
  return changes.filter(({ field, change }) => {
    const key = `${field} ${change}`;
    return !seen.has(key) && Boolean(seen.add(key));
  });
};
