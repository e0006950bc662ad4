/**
 * A small line diff (longest common subsequence) printed in unified format, for `--check`.
 */

type Edit = { op: ' ' | '-' | '+'; line: string };

function editScript(a: readonly string[], b: readonly string[]): Edit[] {
  // Trim the common prefix and suffix first: generated files differ in few places.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const edits: Edit[] = a.slice(0, start).map((line) => ({ op: ' ', line }));
  if (midA.length * midB.length > 4_000_000) {
    // Too large for a table: show it as a replacement.
    edits.push(
      ...midA.map((line) => ({ op: '-' as const, line })),
      ...midB.map((line) => ({ op: '+' as const, line })),
    );
  } else {
    const table = Array.from({ length: midA.length + 1 }, () => new Uint32Array(midB.length + 1));
    for (let i = midA.length - 1; i >= 0; i--) {
      for (let j = midB.length - 1; j >= 0; j--) {
        const row = table[i] as Uint32Array;
        row[j] =
          midA[i] === midB[j]
            ? ((table[i + 1] as Uint32Array)[j + 1] as number) + 1
            : Math.max((table[i + 1] as Uint32Array)[j] as number, row[j + 1] as number);
      }
    }
    let i = 0;
    let j = 0;
    while (i < midA.length && j < midB.length) {
      if (midA[i] === midB[j]) {
        edits.push({ op: ' ', line: midA[i++] as string });
        j++;
      } else if (
        ((table[i + 1] as Uint32Array)[j] as number) >= ((table[i] as Uint32Array)[j + 1] as number)
      ) {
        edits.push({ op: '-', line: midA[i++] as string });
      } else {
        edits.push({ op: '+', line: midB[j++] as string });
      }
    }
    while (i < midA.length) edits.push({ op: '-', line: midA[i++] as string });
    while (j < midB.length) edits.push({ op: '+', line: midB[j++] as string });
  }
  edits.push(...a.slice(endA).map((line) => ({ op: ' ' as const, line })));
  return edits;
}

/** Unified diff of `before` → `after` with 3 lines of context. */
export function unifiedDiff(before: string, after: string, path: string): string {
  const edits = editScript(before.split('\n'), after.split('\n'));
  const out = [`--- ${path} (committed)`, `+++ ${path} (generated now)`];
  const context = 3;
  let index = 0;
  while (index < edits.length) {
    if ((edits[index] as Edit).op === ' ') {
      index++;
      continue;
    }
    const hunkStart = Math.max(0, index - context);
    let hunkEnd = index;
    let quiet = 0;
    while (hunkEnd < edits.length && quiet <= context * 2) {
      quiet = (edits[hunkEnd] as Edit).op === ' ' ? quiet + 1 : 0;
      hunkEnd++;
    }
    hunkEnd = Math.min(edits.length, hunkEnd - Math.max(0, quiet - context));
    let lineA = 1;
    let lineB = 1;
    for (let k = 0; k < hunkStart; k++) {
      if ((edits[k] as Edit).op !== '+') lineA++;
      if ((edits[k] as Edit).op !== '-') lineB++;
    }
    const hunk = edits.slice(hunkStart, hunkEnd);
    const countA = hunk.filter((e) => e.op !== '+').length;
    const countB = hunk.filter((e) => e.op !== '-').length;
    out.push(
      `@@ -${lineA},${countA} +${lineB},${countB} @@`,
      ...hunk.map((e) => `${e.op}${e.line}`),
    );
    index = hunkEnd;
  }
  return out.join('\n');
}
