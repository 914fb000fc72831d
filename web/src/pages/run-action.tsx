import { useState } from 'preact/hooks';
import { must, problemsByField } from '../api';
import { Field } from '../components/common';
import { navigate } from '../router';
import { useSession } from '../session-context';

/** Runs an action with parameters typed as JSON (executions:run). */
export function RunAction({ action }: { action: string }) {
  const { api } = useSession();
  const [parameters, setParameters] = useState('{}');
  const [problems, setProblems] = useState<Record<string, string[]>>({});
  const run = async (event: Event) => {
    event.preventDefault();
    setProblems({});
    let parsed: unknown;
    try {
      parsed = JSON.parse(parameters);
    } catch {
      setProblems({ parameters: ['parameters must be JSON'] });
      return;
    }
    try {
      const created = await must(
        api.POST('/api/v1/executions', {
          body: { action, parameters: parsed as Record<string, never> },
        }),
      );
      navigate(`/executions/${created.id}`);
    } catch (error) {
      setProblems(problemsByField(error, ['parameters', 'action']));
    }
  };
  return (
    <form class="card" onSubmit={(e) => void run(e)}>
      <h2>Run {action}</h2>
      <Field label="Parameters (JSON)" id="run-parameters" problems={problems.parameters}>
        <textarea
          id="run-parameters"
          rows={4}
          value={parameters}
          onInput={(e) => setParameters(e.currentTarget.value)}
        />
      </Field>
      {[...(problems[''] ?? []), ...(problems.action ?? [])].map((p) => (
        <p key={p} class="error" role="alert">
          {p}
        </p>
      ))}
      <button type="submit">Run</button>
    </form>
  );
}
