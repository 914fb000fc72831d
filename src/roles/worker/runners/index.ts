import type { RunnerName } from '../../../domain/core-pack';
import { AskRunner, EchoRunner, NoopRunner, SleepRunner } from './builtin-runners';
import { DestinationPolicy } from './destination-policy';
import { HttpRunner } from './http-runner';
import { Runner } from './runner';
import { ShellRunner } from './shell-runner';

export function createRunners(options: { httpDeny: DestinationPolicy }): Map<RunnerName, Runner> {
  const runners: Runner[] = [
    new EchoRunner(),
    new NoopRunner(),
    new SleepRunner(),
    new ShellRunner(),
    new HttpRunner(options.httpDeny),
    new AskRunner(),
  ];
  return new Map(runners.map((runner) => [runner.name, runner]));
}

export { DEFAULT_HTTP_RUNNER_DENY, DestinationPolicy, parseCidrList } from './destination-policy';
export type { RunContext, RunOutcome, Runner } from './runner';
