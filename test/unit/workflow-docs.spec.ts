import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORE_ACTIONS, isCoreRef, RUNNERS } from '../../src/domain/core-pack';
import {
  ActionLookup,
  validateWorkflow,
  WorkflowDefinition,
} from '../../src/domain/workflow-definition';
import { checkAgainst, userSchemaProblem } from '../../src/executions/user-schema';
import { isRef } from '../../src/http/ref.pipe';

// The examples in docs/workflows.md and README.md must stay valid: every ```json block whose
// object has "runner": "workflow" is an action definition, and it must pass the checks
// POST /api/v1/actions applies (ActionsService: the ref, the runner, the schema and defaults,
// and validateWorkflow against the actions it names). Blocks are checked in order, each one
// joining the catalog, so an example may nest a workflow defined above it.
const ROOT = join(__dirname, '../..');
const DOC = 'docs/workflows.md';
const README = 'README.md';

interface JsonBlock {
  line: number;
  text: string;
}

function jsonBlocks(markdown: string): JsonBlock[] {
  const blocks: JsonBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^```json\s*$/.test(lines[i])) continue;
    const end = lines.findIndex((line, j) => j > i && /^```\s*$/.test(line));
    if (end < 0) throw new Error(`line ${i + 1}: unclosed json block`);
    blocks.push({ line: i + 1, text: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return blocks;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** What the API would refuse in this action definition; [] when it would create it. */
function creationProblems(
  action: Record<string, unknown>,
  catalog: ReadonlyMap<string, ActionLookup>,
): string[] {
  const problems: string[] = [];
  if (!isRef(action.ref)) problems.push(`ref ${String(action.ref)} must look like pack.name`);
  else if (isCoreRef(action.ref)) problems.push('the core pack is read-only');
  if (!(RUNNERS as readonly string[]).includes(action.runner as string)) {
    problems.push(`runner must be one of ${RUNNERS.join(', ')}`);
  }
  const schema = action.parameters_schema ?? null;
  if (schema !== null) {
    const problem = userSchemaProblem(schema, 'parameters_schema');
    if (problem) problems.push(problem);
    else if (isRecord(action.defaults)) {
      problems.push(...checkAgainst({ ...schema, required: [] }, action.defaults, 'defaults'));
    }
  }
  if (action.workflow === undefined || action.workflow === null) {
    problems.push('runner "workflow" needs a "workflow" definition');
  } else {
    problems.push(...validateWorkflow(action.workflow, catalog, action.ref as string));
  }
  return problems;
}

function parsedBlocks(file: string) {
  return jsonBlocks(readFileSync(join(ROOT, file), 'utf8')).map((block) => {
    const at = `${file}:${block.line}`;
    try {
      return { at, value: JSON.parse(block.text) as unknown, error: undefined };
    } catch (error) {
      return { at, value: undefined, error: (error as Error).message };
    }
  });
}

const parsed = [...parsedBlocks(DOC), ...parsedBlocks(README)];
const definitions = parsed.filter(
  (block): block is typeof block & { value: Record<string, unknown> } =>
    isRecord(block.value) && block.value.runner === 'workflow',
);

describe('the workflow examples in docs/workflows.md and README.md', () => {
  it('has json blocks that are all JSON', () => {
    const broken = parsed
      .filter((block) => block.error !== undefined)
      .map((block) => `${block.at}: ${block.error}`);
    expect(broken).toEqual([]);
  });

  it('finds the first workflow, the three worked examples and the README one', () => {
    expect(definitions.map((block) => block.value.ref)).toEqual([
      'demo.hello_flow',
      'demo.build_release',
      'demo.rolling_restart',
      'demo.check_ready',
      'demo.build',
    ]);
  });

  it('has only action definitions the API would create', () => {
    const catalog = new Map<string, ActionLookup>(
      CORE_ACTIONS.map((action) => [action.ref, { runner: action.runner, workflow: null }]),
    );
    const refused: string[] = [];
    for (const { at, value } of definitions) {
      for (const problem of creationProblems(value, catalog)) {
        refused.push(`${at} (${String(value.ref)}): ${problem}`);
      }
      catalog.set(value.ref as string, {
        runner: 'workflow',
        workflow: value.workflow as WorkflowDefinition,
      });
    }
    expect(refused).toEqual([]);
  });

  it('would notice a broken example', () => {
    const catalog = new Map<string, ActionLookup>(
      CORE_ACTIONS.map((action) => [action.ref, { runner: action.runner, workflow: null }]),
    );
    const [first] = definitions;
    const workflow = structuredClone(first.value.workflow) as WorkflowDefinition;
    const [name] = Object.keys(workflow.tasks);
    workflow.tasks[name].next = [{ do: ['nowhere'] }];
    expect(creationProblems({ ...first.value, workflow }, catalog)).toEqual([
      `task '${name}': next[0].do names unknown task 'nowhere'`,
    ]);
  });
});
